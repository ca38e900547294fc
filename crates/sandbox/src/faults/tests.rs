use super::*;

#[test]
fn after_and_times_count_requests() {
    let board = FaultBoard::default();
    board.arm(ProviderId::Notion, ArmedFault::new(Fault::ServerError { status: 503 }).after(2).times(2));
    let fired: Vec<bool> = (0..6).map(|_| board.take(ProviderId::Notion, "/v1/search", false).is_some()).collect();
    assert_eq!(fired, [false, false, true, true, false, false]);
}

#[test]
fn path_faults_fire_on_their_path_only() {
    let board = FaultBoard::default();
    board.arm(ProviderId::Hubspot, ArmedFault::new(Fault::MalformedJson).on_path("deals"));
    assert_eq!(board.take(ProviderId::Hubspot, "/crm/objects/2026-09/contacts", false), None);
    assert_eq!(board.take(ProviderId::Hubspot, "/crm/objects/2026-09/deals", false), Some(Fault::MalformedJson));
}

#[test]
fn token_faults_leave_api_requests_alone() {
    let board = FaultBoard::default();
    board.arm(ProviderId::Notion, ArmedFault::new(Fault::MalformedJson).on_token());
    assert_eq!(board.take(ProviderId::Notion, "/v1/search", false), None);
    assert_eq!(board.take_token(ProviderId::Notion), Some(Fault::MalformedJson));
    assert_eq!(board.take_token(ProviderId::Notion), None);
}

#[test]
fn cursor_faults_wait_for_a_cursor() {
    let board = FaultBoard::default();
    board.arm(ProviderId::Airtable, ArmedFault::new(Fault::ExpiredOffset));
    assert_eq!(board.take(ProviderId::Airtable, "/v0/b/t", false), None);
    assert_eq!(board.take(ProviderId::Airtable, "/v0/b/t", true), Some(Fault::ExpiredOffset));
    assert_eq!(board.take(ProviderId::Airtable, "/v0/b/t", true), None);
}

#[test]
fn cli_form_parses() {
    let f = ArmedFault::parse_cli("server_error=502:3:10").unwrap();
    assert_eq!(f, ArmedFault { fault: Fault::ServerError { status: 502 }, times: 3, after: 10, on: FaultTarget::Api, path: None });
    assert!(ArmedFault::parse_cli("nonsense").is_err());
    let f = ArmedFault::parse_cli("token.retry_after=503/-1").unwrap();
    assert_eq!((f.fault, f.on), (Fault::RetryAfter { status: 503, value: "-1".into() }, FaultTarget::Token));
}

#[test]
fn json_form_parses() {
    let f: ArmedFault = serde_json::from_str(r#"{"kind":"slow","millis":50,"times":2}"#).unwrap();
    assert_eq!(f, ArmedFault { fault: Fault::Slow { millis: 50 }, times: 2, after: 0, on: FaultTarget::Api, path: None });
}
