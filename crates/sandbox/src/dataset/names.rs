//! Word lists that make generated data read like a real account's.

pub const FIRST_NAMES: &[&str] = &[
    "Ada", "Bruno", "Chiara", "Dmitri", "Elena", "Farah", "Gustav", "Hana", "Ibrahim", "Julia",
    "Kenji", "Lena", "Mateo", "Nadia", "Oskar", "Priya", "Quentin", "Rosa", "Samuel", "Tamar",
    "Umar", "Valeria", "Wen", "Ximena", "Yusuf", "Zoe", "Amélie", "Björn", "Chloé", "Søren",
];

pub const LAST_NAMES: &[&str] = &[
    "Okafor", "Lindqvist", "Moreau", "Tanaka", "Haddad", "Kowalski", "Fernández", "Nguyen",
    "O'Brien", "Schmidt", "Rossi", "Petrov", "Silva", "Andersen", "Kaur", "Mensah", "Dubois",
    "Yamamoto", "García", "Novak", "Walsh", "Ibarra", "Chen", "Müller", "Abebe",
];

pub const COMPANY_PREFIXES: &[&str] = &[
    "Northwind", "Bluebird", "Ironbark", "Copperleaf", "Harbor", "Summit", "Lumen", "Riverstone",
    "Quartz", "Meridian", "Tidewater", "Falcon", "Evergreen", "Brightline", "Cobalt", "Juniper",
];

pub const COMPANY_SUFFIXES: &[&str] = &[
    "Labs", "Logistics", "Analytics", "Foods", "Health", "Robotics", "Partners", "Studio",
    "Systems", "Energy", "Outfitters", "Capital", "Design", "Freight", "Software",
];

pub const DEAL_KINDS: &[&str] = &[
    "Annual renewal", "Pilot", "Enterprise upgrade", "Onboarding package", "Support plan",
    "Expansion", "Multi-year licence", "Training workshop", "Data migration", "Integration add-on",
];

pub const DEAL_STAGES: &[&str] = &[
    "appointmentscheduled", "qualifiedtobuy", "presentationscheduled", "decisionmakerboughtin",
    "contractsent", "closedwon", "closedlost",
];

pub const BASE_NAMES: &[&str] = &[
    "Marketing Ops", "Product Roadmap", "Hiring Pipeline", "Content Calendar", "Inventory",
    "Customer Success", "Event Planning", "Research Notes", "Vendor Directory", "Finance Tracker",
];

pub const TABLE_NAMES: &[&str] = &[
    "Projects", "Tasks", "Clients", "Campaigns", "Candidates", "Assets", "Orders", "Suppliers",
    "Interviews", "Invoices", "Milestones", "Contacts",
];

pub const STATUSES: &[&str] = &["Todo", "In progress", "Blocked", "Review", "Done"];

pub const TOPICS: &[&str] = &[
    "Quarterly planning", "Onboarding guide", "Design review", "Incident retrospective",
    "Roadmap", "Meeting notes", "Hiring plan", "Launch checklist", "Brand guidelines",
    "API migration", "Customer interviews", "Budget", "Team offsite", "Security review",
    "Release notes", "Research log", "Style guide", "OKRs", "Support playbook", "Reading list",
];

pub const QUALIFIERS: &[&str] = &[
    "2024", "2025", "Q1", "Q3", "draft", "v2", "EMEA", "for the platform team", "(archive)",
    "— summary", "and follow-ups", "notes", "kickoff", "week 12",
];

pub const DATABASE_NAMES: &[&str] = &[
    "Tasks", "Projects", "Meeting notes", "Bugs", "Docs", "Reading list", "CRM", "Content calendar",
    "Recipes", "Travel", "Hiring", "OKRs",
];

pub const TITLE_PROPERTY_NAMES: &[&str] = &["Name", "Title", "Task", "Project name", "Page"];

pub const EMOJI: &[&str] = &["📄", "🗂️", "🚀", "🧪", "📌", "🗓️", "✅", "💡"];
