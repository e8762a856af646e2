//! A job for the writer thread: one rule, the result it came to, and the channel its caller
//! waits on. The result is held until the batch's fate is known, so a rule that succeeded is
//! still answered with the error of a commit that failed.

use tokio::sync::oneshot;

use crate::chat::Event;
use crate::db::Outcome;
use crate::error::AppError;
use crate::store::sql::Connection as Sql;

/// What the writer's loop and the syncer see of a job, whatever its result type: a batch holds
/// jobs of many rules at once.
pub(super) trait Job: Send {
    /// Runs the rule; true when it succeeded and its changes should stay.
    fn run(&mut self, conn: &Sql, events: &mut Vec<Event>) -> bool;
    /// Turns a job that succeeded into a failed one (its outbox rows could not be written).
    fn refuse(&mut self, err: AppError);
    /// Replies once the batch's fate is known.
    fn finish(self: Box<Self>, committed: Result<(), AppError>);
}

/// A job of a rule `F` that comes to a `T`.
pub(super) struct TypedJob<T, F> {
    rule: Option<F>,
    result: Option<Result<T, AppError>>,
    reply: oneshot::Sender<Result<T, AppError>>,
}

impl<T, F> TypedJob<T, F> {
    /// A job not yet run, answering on `reply`.
    pub(super) fn new(rule: F, reply: oneshot::Sender<Result<T, AppError>>) -> Self {
        TypedJob {
            rule: Some(rule),
            result: None,
            reply,
        }
    }
}

impl<T, F> Job for TypedJob<T, F>
where
    T: Send,
    F: FnOnce(&Sql) -> Result<Outcome<T>, AppError> + Send,
{
    fn run(&mut self, conn: &Sql, events: &mut Vec<Event>) -> bool {
        let Some(rule) = self.rule.take() else {
            return false;
        };
        // A rule that panics must not take the writer thread (and every later write) with it:
        // it counts as a failed job, its savepoint is rolled back, and the batch goes on.
        let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| rule(conn)));
        let ran = ran.unwrap_or_else(|_| {
            tracing::error!("a write rule panicked; its changes were rolled back");
            Err(AppError::Internal("a write rule panicked".into()))
        });
        match ran {
            Ok(outcome) => {
                events.extend(outcome.events);
                self.result = Some(Ok(outcome.value));
                true
            }
            Err(e) => {
                self.result = Some(Err(e));
                false
            }
        }
    }

    fn refuse(&mut self, err: AppError) {
        self.result = Some(Err(err));
    }

    fn finish(self: Box<Self>, committed: Result<(), AppError>) {
        let reply = match (self.result, committed) {
            (Some(Err(e)), _) => Err(e),
            (Some(Ok(v)), Ok(())) => Ok(v),
            (_, Err(e)) => Err(e),
            (None, Ok(())) => Err(AppError::Internal("job was never run".into())),
        };
        let _ = self.reply.send(reply);
    }
}
