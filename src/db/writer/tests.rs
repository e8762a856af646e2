//! The writer under a panicking rule.

use super::*;

#[tokio::test]
async fn a_panicking_rule_fails_alone_and_the_writer_goes_on() {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch("CREATE TABLE t (x INTEGER)").unwrap();
    let (events, _) = mpsc::unbounded_channel();
    let hooks = Subscriptions::new(0, std::time::Duration::from_secs(60));
    let writer = Writer::start(WriteTo::Lite(conn), 16, events, Arc::new(hooks), None).unwrap();
    let panicked = writer
        .submit(|c: &Sql| -> Result<Outcome<()>, AppError> {
            c.prepare_cached("INSERT INTO t VALUES (1)")
                .unwrap()
                .execute([])
                .unwrap();
            panic!("a bug in a rule");
        })
        .await;
    assert!(
        matches!(panicked, Err(AppError::Internal(_))),
        "{panicked:?}"
    );
    let rows = writer
        .submit(|c: &Sql| {
            c.prepare_cached("INSERT INTO t VALUES (2)")?.execute([])?;
            let n: i64 = c.query_row("SELECT count(*) FROM t", [], |r| r.get(0))?;
            Ok(Outcome::quiet(n))
        })
        .await
        .unwrap();
    assert_eq!(
        rows, 1,
        "the panicking rule's insert was rolled back, the next one kept"
    );
}
