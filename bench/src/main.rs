//! `tributary-bench`: figures for BENCHMARKS.md, measured against the provider sandbox running
//! as its own process (so its memory and CPU are not the loader's).
//!
//! ```text
//! cargo build --release -p tributary-sandbox -p tributary-bench
//! target/release/tributary-bench load            # all figures of the Load issue
//! ```

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use clap::{Parser, Subcommand};

mod ui;
mod window;
use tributary_core::load::{Cancel, LoadOptions};
use tributary_core::store::Store;
use tributary_core::{ConnectionKey, Core, FlowKey, ProviderId, Settings};
use tributary_sandbox::consent::{decide_consent, ConsentOutcome};

#[derive(Parser)]
#[command(name = "tributary-bench", about = "Benchmarks that print figures")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Load throughput (raw-fetch ratio, rate-limit ratio) and peak memory, per provider.
    Load {
        /// Items per provider for the unlimited runs and the memory probe.
        #[arg(long, default_value_t = 100_000)]
        items: usize,
        /// Items per provider for the rate-limited runs (sized so each lasts 15-30 s, Notion's
        /// one budget window and a little more: about a minute).
        #[arg(long, default_value = "30000,60000,9500")]
        limited_items: String,
        /// Skip the rate-limited runs (they take about a minute).
        #[arg(long)]
        skip_limited: bool,
        /// Run only the rate-limited runs.
        #[arg(long)]
        only_limited: bool,
        /// Measure only these providers (comma-separated), e.g. `notion`.
        #[arg(long, value_delimiter = ',', default_value = "hubspot,airtable,notion")]
        providers: Vec<ProviderId>,
    },
    /// The item library: keeping a load, opening a connection's items, searching across all
    /// connections, with `items` per provider loaded from the sandbox (rate limits off).
    Library {
        #[arg(long, default_value_t = 100_000)]
        items: usize,
    },
    /// Start to first paint and idle memory beside a hello-world Tauri window, and
    /// Connect-click-to-Connected time. Needs Xvfb, xdotool and ImageMagick.
    Window {
        /// The app binary (a release build).
        #[arg(long, default_value = "target/release/tributary")]
        app: PathBuf,
        /// The hello-world window binary (a release build).
        #[arg(long, default_value = "target/release/tributary-hello-window")]
        hello: PathBuf,
        #[arg(long, default_value_t = 7)]
        runs: usize,
        /// Items per provider in a library the app is also launched on (0: none).
        #[arg(long, default_value_t = 100_000)]
        library_items: usize,
        /// Build that library in this folder and keep it, or launch on the one an earlier run
        /// left there (its items are not checked against `--library-items`).
        #[arg(long)]
        keep_library: Option<PathBuf>,
    },
    /// The window with a large load: Load to table shown, scrolling frame times of the table, the
    /// tree and the JSON view, search and view-switch times. Needs Xvfb and tauri-driver.
    Ui {
        /// The app binary (a release build).
        #[arg(long, default_value = "target/release/tributary")]
        app: PathBuf,
        #[arg(long, default_value_t = 100_000)]
        items: usize,
        #[arg(long, default_value_t = 3)]
        runs: usize,
    },
    /// A reload after a few changes against a full load, with the sandbox enforcing the
    /// documented limits: `edit` items changed and `delete` deleted between the two.
    Reload {
        #[arg(long, default_value_t = 100_000)]
        items: usize,
        #[arg(long, default_value_t = 10)]
        edit: usize,
        #[arg(long, default_value_t = 2)]
        delete: usize,
        #[arg(long, value_delimiter = ',', default_value = "hubspot,airtable,notion")]
        providers: Vec<ProviderId>,
    },
    /// (internal) Loads one provider in this process and prints its peak RSS and JSON size.
    RssProbe {
        #[arg(long)]
        provider: String,
    },
}

/// The sandbox binary, built beside this one.
fn sandbox_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    exe.with_file_name(format!("tributary-sandbox{}", std::env::consts::EXE_SUFFIX))
}

struct SandboxProcess {
    child: Child,
    vars: HashMap<String, String>,
}

impl SandboxProcess {
    fn start(items: &[usize; 3], rate_limits: bool) -> SandboxProcess {
        let bin = sandbox_binary();
        assert!(bin.exists(), "build the sandbox first: cargo build --release -p tributary-sandbox ({})", bin.display());
        // The providers' servers are not on the user's machine: give the sandbox its own CPU
        // so the client's work is not charged to it (see pin_self).
        let mut cmd = if pinning() {
            let mut c = Command::new("taskset");
            c.args(["-c", "0"]).arg(&bin);
            c
        } else {
            Command::new(&bin)
        };
        for (i, p) in ProviderId::ALL.iter().enumerate() {
            cmd.args(["--port", &format!("{}=0", p.as_str()), "--items-for", &format!("{}={}", p.as_str(), items[i])]);
        }
        cmd.stdout(Stdio::piped())
            .stderr(Stdio::null());
        if rate_limits {
            cmd.arg("--rate-limits");
        }
        let mut child = cmd.spawn().expect("start the sandbox");
        let mut vars = HashMap::new();
        let out = BufReader::new(child.stdout.take().unwrap());
        for line in out.lines() {
            let line = line.unwrap();
            if let Some((k, v)) = line.split_once('=').filter(|_| !line.starts_with('#')) {
                vars.insert(k.to_string(), v.to_string());
            }
            if line.starts_with("# NOTION items") {
                break;
            }
        }
        SandboxProcess { child, vars }
    }

    fn settings(&self) -> Settings {
        let mut settings = Settings::from_vars(|k| self.vars.get(k).cloned()).expect("sandbox settings");
        // The benchmark's connections are not the user's: kept in memory only.
        settings.credential_store = tributary_core::config::CredentialStoreChoice::Session;
        settings.data_dir = std::env::temp_dir().join(format!("tributary-bench-{}", std::process::id()));
        settings
    }

    fn api_base(&self, p: ProviderId) -> url::Url {
        url::Url::parse(&self.vars[&format!("{}_API_BASE", p.as_str().to_uppercase())]).unwrap()
    }

    async fn stats(&self, p: ProviderId) -> serde_json::Value {
        let url = self.api_base(p).join("_sandbox/stats").unwrap();
        reqwest::get(url).await.unwrap().json::<serde_json::Value>().await.unwrap()["stats"].clone()
    }
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Signs in through the sandbox's consent page (deep-link route) and returns the connection key.
async fn connect(core: &Core, p: ProviderId) -> ConnectionKey {
    let flow = FlowKey::new(p, "BenchOrg", "BenchUser").unwrap();
    let request = core.begin_deep_link(&flow).await.unwrap();
    let ConsentOutcome::Redirect(callback) = decide_consent(request.url.as_str(), true).await.unwrap() else {
        panic!("consent refused")
    };
    core.complete_callback(&callback, Some(&flow)).await.unwrap();
    let summary = core.take_credentials(&flow).await.unwrap();
    ConnectionKey::new(&flow, &summary.account_id).unwrap()
}

fn unpaced() -> LoadOptions {
    LoadOptions { pace: false, ..LoadOptions::default() }
}

/// The quoted value after `"key":` in a JSON text, found without parsing the document.
fn quoted_after(body: &str, key: &str) -> Option<String> {
    let at = body.rfind(&format!("\"{key}\":\""))? + key.len() + 4;
    Some(body[at..at + body[at..].find('"')?].to_string())
}

/// The same pages the loader reads, with the same concurrency, by a bare client: no JSON
/// parsing (cursors are cut out of the text), no mapping. Returns (pages, bytes).
async fn raw_fetch(api: &url::Url, p: ProviderId, token: &str, items: usize) -> (usize, usize) {
    let http = tributary_core::http_client(std::time::Duration::from_secs(60)).unwrap();
    let get = |url: url::Url| {
        let http = http.clone();
        async move { http.get(url).bearer_auth(token).send().await.unwrap().text().await.unwrap() }
    };
    match p {
        ProviderId::Hubspot => {
            let _ = get(api.join("account-info/2026-03/details").unwrap()).await;
            let lists = ["contacts", "companies", "deals"].map(|t| {
                let get = &get;
                async move {
                    let (mut pages, mut bytes, mut after) = (0, 0, None::<String>);
                    loop {
                        let mut url = api.join(&format!("crm/objects/2026-09/{t}")).unwrap();
                        url.query_pairs_mut().append_pair("limit", "100").append_pair("properties", "firstname,lastname,email,name,domain,dealname").append_pair("archived", "false");
                        if let Some(a) = &after {
                            url.query_pairs_mut().append_pair("after", a);
                        }
                        let body = get(url).await;
                        pages += 1;
                        bytes += body.len();
                        after = if body.contains("\"paging\"") { quoted_after(&body, "after") } else { None };
                        if after.is_none() {
                            return (pages, bytes);
                        }
                    }
                }
            });
            futures::future::join_all(lists).await.into_iter().fold((1, 0), |a, b| (a.0 + b.0, a.1 + b.1))
        }
        ProviderId::Airtable => {
            let bases_body = get(api.join("v0/meta/bases").unwrap()).await;
            let bases: Vec<String> = bases_body.match_indices("\"id\":\"app").map(|(i, _)| bases_body[i + 6..i + 6 + 17].to_string()).collect();
            let per_base = bases.iter().map(|b| {
                let get = &get;
                async move {
                    let tables_body = get(api.join(&format!("v0/meta/bases/{b}/tables")).unwrap()).await;
                    let tables: Vec<String> = tables_body.match_indices("\"id\":\"tbl").map(|(i, _)| tables_body[i + 6..i + 6 + 17].to_string()).collect();
                    let (mut pages, mut bytes) = (1, tables_body.len());
                    for t in tables {
                        let mut offset = None::<String>;
                        loop {
                            let mut url = api.join(&format!("v0/{b}/{t}")).unwrap();
                            url.query_pairs_mut().append_pair("pageSize", "100");
                            if let Some(o) = &offset {
                                url.query_pairs_mut().append_pair("offset", o);
                            }
                            let body = get(url).await;
                            pages += 1;
                            bytes += body.len();
                            offset = quoted_after(&body, "offset");
                            if offset.is_none() {
                                break;
                            }
                        }
                    }
                    (pages, bytes)
                }
            });
            futures::future::join_all(per_base).await.into_iter().fold((1, bases_body.len()), |a, b| (a.0 + b.0, a.1 + b.1))
        }
        ProviderId::Notion => {
            // Search's chain, then every data source's query, four at a time, as the loader does
            // (the data sources are the dataset's, which search lists: no parsing needed here).
            let list = |path: String| {
                let http = http.clone();
                async move {
                    let (mut pages, mut bytes, mut cursor) = (0, 0, None::<String>);
                    loop {
                        let mut body = serde_json::json!({"page_size": 100});
                        if let Some(c) = &cursor {
                            body["start_cursor"] = serde_json::json!(c);
                        }
                        let text = http
                            .post(api.join(&path).unwrap())
                            .bearer_auth(token)
                            .header("Notion-Version", tributary_sandbox::dataset::notion::NOTION_VERSION)
                            .json(&body)
                            .send()
                            .await
                            .unwrap()
                            .text()
                            .await
                            .unwrap();
                        pages += 1;
                        bytes += text.len();
                        cursor = quoted_after(&text, "next_cursor");
                        if cursor.is_none() {
                            return (pages, bytes);
                        }
                    }
                }
            };
            let searched = list("v1/search".into()).await;
            let data = tributary_sandbox::dataset::notion::NotionData::new(tributary_sandbox::SandboxConfig::default().seed, items);
            let data_sources: Vec<String> = (0..items).filter(|&k| data.kind(k) == tributary_sandbox::dataset::notion::NotionKind::DataSource).map(|k| data.id(k)).collect();
            use futures::StreamExt;
            futures::stream::iter(data_sources.into_iter().map(|id| list(format!("v1/data_sources/{id}/query"))))
                .buffer_unordered(4)
                .fold(searched, |a, b| async move { (a.0 + b.0, a.1 + b.1) })
                .await
        }
    }
}

/// Counts bytes written, to size the items' JSON without holding it.
struct CountingWriter(usize);

impl Write for CountingWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn status_kib(field: &str) -> usize {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(field)).and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

async fn rss_probe(provider: ProviderId) {
    let mut settings = Settings::from_env().unwrap();
    settings.credential_store = tributary_core::config::CredentialStoreChoice::Session;
    settings.data_dir = std::env::temp_dir().join(format!("tributary-bench-{}", std::process::id()));
    let core = Core::with_store(settings, Store::open(None).await.unwrap()).unwrap();
    let key = connect(&core, provider).await;
    let before = status_kib("VmRSS:");
    let items = core.load(&key, unpaced(), None, Cancel::new()).await.unwrap().items;
    let mut counter = CountingWriter(0);
    serde_json::to_writer(&mut counter, &items).unwrap();
    let peak = status_kib("VmHWM:");
    println!("{}", serde_json::json!({ "items": items.len(), "json_bytes": counter.0, "peak_rss_kib": peak, "rss_before_load_kib": before }));
}

/// CPU seconds (user + system) this process has used, all threads; 0 where /proc is missing.
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name; utime and stime are the 12th and 13th, in clock ticks.
    let fields: Vec<&str> = stat.rsplit_once(')').map_or("", |x| x.1).split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn mb(bytes: f64) -> String {
    format!("{:.1} MB", bytes / 1_000_000.0)
}

async fn bench_load(items: usize, limited: [usize; 3], skip_limited: bool, only_limited: bool, providers: &[ProviderId]) {
    if !only_limited {
        bench_unlimited(items, providers).await;
    }
    if !skip_limited {
        bench_limited(limited, providers).await;
    }
}

async fn bench_unlimited(items: usize, providers: &[ProviderId]) {
    println!("# tributary-bench load (items per provider: {items})\n");
    if pinning() {
        println!("Sandbox pinned to CPU 0, loader and raw client to CPU 1: a real provider does not share the client's CPU.\n");
    }
    println!("## Throughput with rate limits off (loader vs. bare client fetching the same pages)\n");
    println!("| provider | items | pages | raw fetch items/s (median) | loader items/s (median) | ratio: median (quartiles, pairs) | client CPU ms per page, raw / loader |");
    println!("|---|---|---|---|---|---|---|");
    let sandbox = SandboxProcess::start(&[items; 3], false);
    let core = Core::with_store(sandbox.settings(), Store::open(None).await.unwrap()).unwrap();
    for &p in providers {
        let key = connect(&core, p).await;
        let token = core.connection(&key).unwrap().access_token().await.unwrap();
        // The machine is shared and single runs vary by a third: run raw and loader back to
        // back, at least 9 pairs and at least 30 s, alternating which goes first, and report
        // medians, the ratio taken within each pair, with its interquartile range.
        let (mut raws, mut loads, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        let (mut raw_cpu, mut load_cpu) = (Vec::new(), Vec::new());
        let mut count = 0;
        let mut pages = 0;
        let started = Instant::now();
        while ratios.len() < 9 || (started.elapsed().as_secs() < 30 && ratios.len() < 41) {
            let raw_first = ratios.len() % 2 == 0;
            let mut raw = 0.0;
            let mut load = 0.0;
            for raw_turn in [raw_first, !raw_first] {
                let cpu = cpu_secs();
                let t = Instant::now();
                if raw_turn {
                    pages = raw_fetch(&sandbox.api_base(p), p, token.expose(), items).await.0;
                    raw = t.elapsed().as_secs_f64();
                    raw_cpu.push(cpu_secs() - cpu);
                } else {
                    let loaded = core.load(&key, unpaced(), None, Cancel::new()).await.unwrap();
                    load = t.elapsed().as_secs_f64();
                    load_cpu.push(cpu_secs() - cpu);
                    count = loaded.items.len();
                }
            }
            raws.push(count as f64 / raw);
            loads.push(count as f64 / load);
            ratios.push(raw / load);
        }
        let n = ratios.len();
        let (raw_rate, load_rate, ratio) = (median(&mut raws), median(&mut loads), median(&mut ratios));
        let (q1, q3) = (ratios[n / 4], ratios[(3 * n) / 4]);
        let per_page = |v: &mut Vec<f64>| median(v) * 1000.0 / pages as f64;
        let (raw_cpu, load_cpu) = (per_page(&mut raw_cpu), per_page(&mut load_cpu));
        println!("| {p} | {count} | {pages} | {raw_rate:.0} | {load_rate:.0} | {ratio:.2}x ({q1:.2}-{q3:.2}, {n} pairs) | {raw_cpu:.2} / {load_cpu:.2} |");
    }

    println!("\n## Peak memory of a {items}-item load (one process per provider)\n");
    println!("| provider | items | items JSON | RSS before load | peak RSS | peak / JSON |");
    println!("|---|---|---|---|---|---|");
    for &p in providers {
        let out = Command::new(std::env::current_exe().unwrap())
            .args(["rss-probe", "--provider", p.as_str()])
            .env_clear()
            .envs(sandbox.vars.iter())
            .output()
            .expect("run the probe");
        assert!(out.status.success(), "probe failed: {}", String::from_utf8_lossy(&out.stderr));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let (json, peak, before) = (v["json_bytes"].as_f64().unwrap(), v["peak_rss_kib"].as_f64().unwrap() * 1024.0, v["rss_before_load_kib"].as_f64().unwrap() * 1024.0);
        println!("| {p} | {} | {} | {} | {} | {:.2}x |", v["items"], mb(json), mb(before), mb(peak), peak / json);
    }
}

async fn bench_limited(limited: [usize; 3], providers: &[ProviderId]) {
    println!("\n## Throughput with the sandbox enforcing the documented limits\n");
    println!("| provider | items | requests | seconds | requests/s | documented limit | fastest the limit allows (s) | ratio | 429s | failed loads |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let sandbox = SandboxProcess::start(&limited, true);
    let core = Arc::new(Core::with_store(sandbox.settings(), Store::open(None).await.unwrap()).unwrap());
    for &p in providers {
        let key = connect(&core, p).await;
        let before: u64 = sandbox.stats(p).await["api_requests"].as_u64().unwrap();
        let t = Instant::now();
        let result = core.load(&key, LoadOptions::default(), None, Cancel::new()).await;
        let secs = t.elapsed().as_secs_f64();
        let stats = sandbox.stats(p).await;
        let requests = stats["api_requests"].as_u64().unwrap() - before;
        let (count, failed) = match &result {
            Ok(items) => (items.items.len(), 0),
            Err(e) => {
                eprintln!("{p}: load failed: {e}");
                (0, 1)
            }
        };
        // How fast the documented limit lets these requests go, from an idle start (so the
        // first window's burst is allowed for): HubSpot 110 per rolling 10 s per account,
        // Airtable 5 per second per base (bases load at once) and 50 per second per user,
        // Notion a budget of 180 per fixed 60-second window per connection (the sandbox's
        // plan), spendable at once. The ratio is that minimum time over the time taken.
        let n = requests as f64;
        let (min_secs, label) = match p {
            ProviderId::Hubspot => (((n - 1.0) / 110.0).floor() * 10.0, "110 per 10 s".to_string()),
            ProviderId::Airtable => {
                let bases = tributary_sandbox::dataset::airtable::AirtableData::bases_for(limited[1]) as f64;
                // Each limit is a rolling second that starts with a full allowance.
                let per_base = (((n / bases).ceil() - 1.0) / 5.0).floor();
                (per_base.max(((n - 1.0) / 50.0).floor()), format!("5/s per base ({bases} bases), 50/s per user"))
            }
            ProviderId::Notion => (((n - 1.0) / 180.0).floor() * 60.0, "180 per 60 s window".to_string()),
        };
        println!(
            "| {p} | {count} | {requests} | {secs:.1} | {:.2} | {label} | {min_secs:.1} | {:.3}x | {} | {failed} |",
            n / secs,
            min_secs / secs,
            stats["rate_limited"]
        );
    }
}

async fn bench_library(items: usize) {
    println!("# tributary-bench library ({items} items per provider, three connections)\n");
    let sandbox = SandboxProcess::start(&[items; 3], false);
    let core = Core::with_store(sandbox.settings(), Store::open(None).await.unwrap()).unwrap();
    let data_dir = core.settings().data_dir.clone();
    let library = tributary_core::library::Library::open(&data_dir).unwrap().library;
    println!("| provider | items | keep (replace, one transaction) | open (read back in order) |");
    println!("|---|---|---|---|");
    let mut names = Vec::new();
    for p in ProviderId::ALL {
        let key = connect(&core, p).await;
        let loaded = Arc::new(core.load(&key, unpaced(), None, Cancel::new()).await.unwrap());
        names.extend(loaded.items.iter().step_by(loaded.items.len() / 10 + 1).map(|i| i.name.clone()));
        let t = Instant::now();
        library.replace(&key, loaded.clone()).await.unwrap();
        let keep = t.elapsed();
        let mut opens = Vec::new();
        for _ in 0..5 {
            let t = Instant::now();
            let stored = library.stored(&key).await.unwrap().unwrap();
            opens.push(t.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(stored.items.len(), loaded.items.len());
        }
        println!("| {p} | {} | {} ms | {:.0} ms (median of 5) |", loaded.items.len(), keep.as_millis(), median(&mut opens));
    }
    let mut searches = Vec::new();
    for name in names.iter().filter(|n| !n.is_empty()).cycle().take(40) {
        let word = name.split_whitespace().next().unwrap_or(name);
        let t = Instant::now();
        let found = library.search(word, 200).await.unwrap();
        searches.push(t.elapsed().as_secs_f64() * 1000.0);
        assert!(!found.is_empty(), "{word}");
    }
    // What the window asks for: a screenful of rows (100), searched and sorted in the database.
    use tributary_core::library::{RowsQuery, SearchField, SortColumn};
    let mut pages = Vec::new();
    let sorts = [SortColumn::Name, SortColumn::Modified, SortColumn::Kind, SortColumn::Created, SortColumn::Parent, SortColumn::Loaded];
    for (i, name) in names.iter().filter(|n| !n.is_empty()).cycle().take(36).enumerate() {
        let word = name.split_whitespace().next().unwrap_or(name);
        let query = RowsQuery { text: if i % 3 == 0 { String::new() } else { word.to_string() }, field: SearchField::Any, sort: sorts[i % sorts.len()], descending: i % 2 == 1, offset: 0, limit: 100, connections: Vec::new() };
        let t = Instant::now();
        let rows = library.rows(query).await.unwrap();
        pages.push(t.elapsed().as_secs_f64() * 1000.0);
        assert!(!rows.rows.is_empty());
    }
    // The page the window opens on: no search, load order.
    let mut first_pages = Vec::new();
    for _ in 0..9 {
        let t = Instant::now();
        library.rows(RowsQuery { limit: 100, ..Default::default() }).await.unwrap();
        first_pages.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    println!("\nThe page the window opens on (the first 100 rows in load order, and the total): median {:.1} ms.", median(&mut first_pages));
    let pages_n = pages.len();
    let median_page = median(&mut pages);
    println!("\nA page of 100 rows across all {} items, searched (two in three, a word of a name) and sorted by a column in the database: median {median_page:.1} ms, slowest {:.1} ms, {pages_n} queries.", items * 3, pages[pages_n - 1]);
    let size: u64 = std::fs::metadata(library.path()).unwrap().len();
    let n = searches.len();
    let median_search = median(&mut searches);
    println!("\nSearch across all {} items (a word of an item's name, the first 200 hits, best first): median {median_search:.1} ms, slowest {:.1} ms, {n} queries. Library file: {}.", items * 3, searches[n - 1], mb(size as f64));
    let _ = std::fs::remove_dir_all(&data_dir);
}

/// Full load, then changes in the sandbox, then a reload of what changed, per provider (the
/// providers at once: their limits are their own), at the documented pace against the
/// sandbox's documented limits. Checks that every change (and every reported deletion) is in
/// the result and in the library.
async fn bench_reload(items: usize, edit: usize, delete: usize, providers: &[ProviderId]) {
    println!("# tributary-bench reload ({items} items per provider, {edit} changed and {delete} deleted, documented limits on)\n");
    let sandbox = SandboxProcess::start(&[items; 3], true);
    let core = Arc::new(Core::with_store(sandbox.settings(), Store::open(None).await.unwrap()).unwrap());
    let quiet: tributary_core::load::ProgressFn = Arc::new(|_: &tributary_core::load::Progress| {});
    let runs = providers.iter().map(|&p| {
        let (core, sandbox, quiet) = (core.clone(), &sandbox, quiet.clone());
        async move {
            let key = connect(&core, p).await;
            let requests = || async { sandbox.stats(p).await["api_requests"].as_u64().unwrap() };
            let (before, t) = (requests().await, Instant::now());
            let full = core.load_items(&key, quiet.clone(), true).await.expect("the full load");
            let (full_secs, full_requests) = (t.elapsed().as_secs_f64(), requests().await - before);
            let url = sandbox.api_base(p).join("_sandbox/changes").unwrap();
            let changed: serde_json::Value = reqwest::Client::new().post(url).json(&serde_json::json!({ "edit": edit, "delete": delete })).send().await.unwrap().json().await.unwrap();
            let (before, t) = (requests().await, Instant::now());
            let reloaded = core.load_items(&key, quiet, false).await.expect("the reload");
            let (secs, reload_requests) = (t.elapsed().as_secs_f64(), requests().await - before);
            let reload = reloaded.reload.as_ref().expect("a reload of changes");
            // Every edit is in, and every deletion the provider reports is out, in the library too.
            let stored = core.stored_items(&key).await.unwrap().unwrap();
            let ids = |what: &str| changed[what].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_string()).collect::<Vec<_>>();
            let has = |id: &str| stored.loaded.items.iter().any(|i| i.id == id || i.id.ends_with(&format!(":{id}")));
            let edits_in = ids("edited").iter().filter(|id| stored.loaded.items.iter().any(|i| (i.id == **id || i.id.ends_with(&format!(":{id}"))) && i.name.contains("(edited)"))).count();
            let deletions_out = ids("deleted").iter().filter(|id| !has(id)).count();
            assert_eq!(stored.loaded.items, reloaded.items);
            (p, full.items.len(), full_secs, full_requests, secs, reload_requests, reload.changed.len(), reload.removed.len(), edits_in, deletions_out, reload.deletions_reported)
        }
    });
    let results = futures::future::join_all(runs).await;
    println!("| provider | items | full load | requests | reload | requests | faster | changed / removed | edits in the library | deletions out |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for (p, n, full_secs, full_requests, secs, requests, changed, removed, edits_in, deletions_out, reported) in results {
        let deletions = if reported { format!("{deletions_out} of {delete}") } else { format!("{deletions_out} of {delete} (no deletion feed)") };
        println!(
            "| {p} | {n} | {full_secs:.1} s | {full_requests} | {secs:.2} s | {requests} | {:.0}x | {changed} / {removed} | {edits_in} of {edit} | {deletions} |",
            full_secs / secs
        );
    }
}

/// Whether the sandbox and the client run on separate CPUs (two or more CPUs and taskset).
fn pinning() -> bool {
    // Decided once, before this process pins itself (which shrinks available_parallelism to 1).
    static PIN: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *PIN.get_or_init(|| {
        std::thread::available_parallelism().map(|n| n.get() >= 2).unwrap_or(false)
            && Command::new("taskset").arg("-V").stdout(Stdio::null()).status().is_ok_and(|s| s.success())
    })
}

/// Runs this process (and every thread it starts) on CPU 1, the sandbox on CPU 0.
fn pin_self() {
    if pinning() {
        let pid = std::process::id().to_string();
        let _ = Command::new("taskset").args(["-a", "-p", "-c", "1", &pid]).stdout(Stdio::null()).status();
    }
}

fn main() {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime").block_on(run());
}

async fn run() {
    match Cli::parse().command {
        Cmd::Load { items, limited_items, skip_limited, only_limited, providers } => {
            pin_self();
            let l: Vec<usize> = limited_items.split(',').map(|s| s.trim().parse().expect("three numbers")).collect();
            bench_load(items, [l[0], l[1], l[2]], skip_limited, only_limited, &providers).await;
        }
        Cmd::Window { app, hello, runs, library_items, keep_library } => window::bench_window(app, hello, runs, library_items, keep_library).await,
        Cmd::Ui { app, items, runs } => ui::bench_ui(app, items, runs).await,
        Cmd::RssProbe { provider } => rss_probe(provider.parse().unwrap()).await,
        Cmd::Library { items } => bench_library(items).await,
        Cmd::Reload { items, edit, delete, providers } => bench_reload(items, edit, delete, &providers).await,
    }
}
