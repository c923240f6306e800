//! Progress on stderr: one bar per collection (rows, pages, rate) on a terminal, plain lines
//! otherwise.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Where progress goes.
#[derive(Debug)]
pub struct Progress {
    bars: Option<MultiProgress>,
}

/// How often a collection prints a plain progress line at most.
const LINE_EVERY: Duration = Duration::from_secs(2);

impl Progress {
    /// Bars when stderr is a terminal, plain lines otherwise.
    pub fn stderr() -> Progress {
        let bars =
            std::io::stderr().is_terminal().then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        Progress { bars }
    }

    /// Plain lines only.
    pub fn plain() -> Progress {
        Progress { bars: None }
    }

    /// Starts reporting on one collection.
    pub fn collection(&self, name: &str) -> CollectionProgress {
        let bar = self.bars.as_ref().map(|bars| {
            let bar = bars.add(ProgressBar::new_spinner());
            let style = ProgressStyle::with_template("{spinner} {prefix:.bold} {msg} [{elapsed}]")
                .unwrap_or_else(|_| ProgressStyle::default_spinner());
            bar.set_style(style);
            bar.set_prefix(name.to_owned());
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        CollectionProgress {
            name: name.to_owned(),
            bar,
            rows: 0,
            pages: 0,
            started: Instant::now(),
            last_line: Mutex::new(Instant::now()),
        }
    }

    /// A line above the bars (or on stderr).
    pub fn println(&self, line: &str) {
        match &self.bars {
            Some(bars) => {
                let _ = bars.println(line);
            }
            None => eprintln!("{line}"),
        }
    }
}

/// Progress of one collection.
#[derive(Debug)]
pub struct CollectionProgress {
    name: String,
    bar: Option<ProgressBar>,
    rows: u64,
    pages: u64,
    started: Instant,
    last_line: Mutex<Instant>,
}

impl CollectionProgress {
    /// Rows and pages so far.
    pub fn counts(&self) -> (u64, u64) {
        (self.rows, self.pages)
    }

    fn status(&self) -> String {
        let seconds = self.started.elapsed().as_secs_f64().max(1e-3);
        format!("{} rows, {} pages, {:.0} rows/s", self.rows, self.pages, self.rows as f64 / seconds)
    }

    /// One more page of `rows` rows stored.
    pub fn page(&mut self, rows: usize) {
        self.rows += rows as u64;
        self.pages += 1;
        match &self.bar {
            Some(bar) => bar.set_message(self.status()),
            None => {
                let mut last = self.last_line.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                if last.elapsed() >= LINE_EVERY {
                    *last = Instant::now();
                    eprintln!("{}: {}", self.name, self.status());
                }
            }
        }
    }

    /// The collection ended with `outcome` (e.g. `done` or an error).
    pub fn finish(&self, outcome: &str) {
        let line = format!("{}: {outcome}: {}", self.name, self.status());
        match &self.bar {
            Some(bar) => bar.finish_with_message(format!("{outcome}: {}", self.status())),
            None => eprintln!("{line}"),
        }
    }
}
