use super::*;

#[test]
fn round_trips_and_refuses_garbage() {
    let s = StatePayload::new(ProviderId::Notion, "org", "user");
    let back = StatePayload::decode(&s.encode()).unwrap();
    assert_eq!(back, s);
    assert!(back.same_nonce(&s));
    assert!(!StatePayload::new(ProviderId::Notion, "org", "user").same_nonce(&s));
    assert!(matches!(StatePayload::decode("not-base64!"), Err(Error::StateMismatch)));
    assert!(matches!(StatePayload::decode(&B64.encode("{}")), Err(Error::StateMismatch)));
}
