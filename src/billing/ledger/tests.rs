use super::*;

#[test]
fn a_reservation_larger_than_what_is_left_is_refused_not_capped() -> Result<()> {
    let ledger = Arc::new(Ledger::default());
    ledger.set_balance(1, 1000);
    let a = ledger.reserve(1, 10, 600)?;
    assert_eq!(a.amount(), 600);
    let refused = ledger.reserve(1, 10, 600);
    match refused {
        Err(GatewayError::InsufficientBalance(message)) => {
            assert!(message.contains("up to 600"), "{message}");
        }
        other => panic!("expected a 402, got {other:?}"),
    }
    let b = ledger.reserve(1, 10, 400)?;
    assert_eq!(b.amount(), 400, "exactly what is left still fits");
    assert!(matches!(
        ledger.reserve(1, 10, 1),
        Err(GatewayError::InsufficientBalance(_))
    ));
    a.settle(700);
    b.settle(100);
    assert_eq!(ledger.balance(1), Some(200));
    drop(ledger.reserve(1, 10, 50)?);
    assert_eq!(
        ledger.balance(1),
        Some(200),
        "a dropped reservation charges nothing"
    );
    Ok(())
}

#[test]
fn token_quota_is_enforced_and_reported() -> Result<()> {
    let ledger = Arc::new(Ledger::default());
    ledger.set_balance(1, 1_000_000);
    ledger.set_token(7, Some(100), Some(90));
    match ledger.reserve(1, 7, 50) {
        Err(GatewayError::QuotaExhausted(message)) => {
            assert!(message.contains("10 is left"), "{message}");
        }
        other => panic!("expected a 429, got {other:?}"),
    }
    let r = ledger.reserve(1, 7, 10)?;
    assert!(matches!(
        ledger.reserve(1, 7, 1),
        Err(GatewayError::QuotaExhausted(_))
    ));
    r.settle(15);
    assert_eq!(ledger.token_used(7), Some(105));
    assert!(ledger.exhausted(7));
    ledger.set_token(7, Some(1000), None);
    assert!(!ledger.exhausted(7));
    Ok(())
}

#[test]
fn concurrent_overspend_is_bounded_by_actual_minus_reserved() -> Result<()> {
    let ledger = Arc::new(Ledger::default());
    ledger.set_balance(1, 1050);
    // 64 requests estimate 100 each; only 10 get a hold, the rest are refused.
    let held: Vec<Reservation> = (0..64)
        .filter_map(|_| ledger.reserve(1, 2, 100).ok())
        .collect();
    assert_eq!(held.len(), 10);
    let reserved: i64 = held.iter().map(Reservation::amount).sum();
    assert_eq!(reserved, 1000, "no partial hold for the last 50");
    // Each used 130: the overspend (250) is within what they used beyond their holds.
    let beyond: i64 = held.iter().map(|r| 130 - r.amount()).sum();
    for r in held {
        r.settle(130);
    }
    assert_eq!(ledger.balance(1), Some(1050 - 1300));
    assert!(1300 - 1050 <= beyond);
    Ok(())
}
