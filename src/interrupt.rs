//! Ctrl-C and SIGTERM during `--write`. A process killed by a signal runs no drops, so
//! the temp file of a rewrite in hand (a whole rewrite, which `git add -A` would commit)
//! would stay beside its Dockerfile. Caught, the first signal only asks the batch to stop:
//! no file is started after it, the files in hand are written or abandoned as usual (their
//! temp files removed), the summary counts what was done, and restage exits with 128 + the
//! signal's number (130, 143), as a shell reports a command the signal killed. A second
//! signal kills at once, for a run stuck where no stop is looked for.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::flag;

/// Whether a stop was asked for, and by which signal. The default one is never set.
#[derive(Clone, Debug, Default)]
pub struct Interrupt {
    /// The number of the signal that asked, 0 until one did.
    signal: Arc<AtomicUsize>,
    /// Set at the first signal: the next one kills.
    armed: Arc<AtomicBool>,
}

impl Interrupt {
    /// An interrupt that SIGINT and SIGTERM set from now on.
    pub fn on_signals() -> std::io::Result<Interrupt> {
        let interrupt = Interrupt::default();
        for signal in [SIGINT, SIGTERM] {
            // The kill comes first: at the first signal `armed` is still false.
            flag::register_conditional_default(signal, Arc::clone(&interrupt.armed))?;
            flag::register(signal, Arc::clone(&interrupt.armed))?;
            flag::register_usize(signal, Arc::clone(&interrupt.signal), signal as usize)?;
        }
        Ok(interrupt)
    }

    /// Whether a signal has asked the run to stop.
    pub fn requested(&self) -> bool {
        self.signal.load(Ordering::SeqCst) != 0
    }

    /// The exit code of a run a signal stopped: 128 + the signal's number.
    pub fn exit_code(&self) -> Option<ExitCode> {
        match self.signal.load(Ordering::SeqCst) {
            0 => None,
            signal => Some(ExitCode::from(128 + signal as u8)),
        }
    }
}
