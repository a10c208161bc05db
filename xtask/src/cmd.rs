//! Running child processes: echo the command, stream its output, fail with the exit status.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::error::{Error, Result};

/// `program arg1 arg2` as a human would type it (for logs and error messages).
pub fn display(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        let arg = arg.to_string_lossy();
        if arg.contains(' ') || arg.is_empty() {
            s.push_str(&format!(" '{arg}'"));
        } else {
            s.push(' ');
            s.push_str(&arg);
        }
    }
    s
}

fn spawn_error(cmd: &Command, source: std::io::Error) -> Error {
    Error::Spawn {
        program: cmd.get_program().to_string_lossy().into_owned(),
        source,
    }
}

/// Runs `cmd` with inherited stdio; an exit status other than 0 is an error.
pub fn run(cmd: &mut Command) -> Result<()> {
    println!("$ {}", display(cmd));
    let status = cmd.status().map_err(|e| spawn_error(cmd, e))?;
    if status.success() {
        Ok(())
    } else {
        Err(Error::CommandFailed {
            command: display(cmd),
            status,
        })
    }
}

/// Runs `cmd` quietly and returns its stdout (trimmed) if it exits 0, `None` if it cannot be
/// started or fails. Used for "is this tool present, and which version?" probes, where both
/// "not installed" and "broken" mean the same thing: install it.
pub fn probe(cmd: &mut Command) -> Option<String> {
    let out = cmd
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Counts from the runners' "test result: ok. 3 passed; 0 failed; 1 ignored; …" lines
/// (cargo's libtest and wasm-bindgen-test-runner print the same format).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TestCounts {
    pub passed: u64,
    pub failed: u64,
    pub ignored: u64,
    /// How many "test result:" lines were seen (one per test binary).
    pub binaries: u64,
}

impl TestCounts {
    pub fn add_line(&mut self, line: &str) {
        let Some(rest) = line.trim().strip_prefix("test result: ") else {
            return;
        };
        self.binaries += 1;
        // "ok. 3 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s"
        for part in rest.split(';') {
            let mut words = part.split_whitespace().rev();
            let (Some(label), Some(number)) = (words.next(), words.next()) else {
                continue;
            };
            let Ok(n) = number.parse::<u64>() else {
                continue;
            };
            match label {
                "passed" => self.passed += n,
                "failed" => self.failed += n,
                "ignored" => self.ignored += n,
                _ => {}
            }
        }
    }
}

impl TestCounts {
    pub fn merge(&mut self, other: TestCounts) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.ignored += other.ignored;
        self.binaries += other.binaries;
    }
}

/// Runs a test runner with stdout piped through us: every line is echoed as it arrives (so
/// the runner's own summary stays visible) and its "test result:" lines are counted. The
/// counts are returned also when the runner fails, so a summary can say how many failed.
pub fn run_tests(cmd: &mut Command) -> (TestCounts, Result<()>) {
    run_tests_with(cmd, |_| {})
}

/// [`run_tests`], also handing every stdout line to `each_line`.
pub fn run_tests_with(
    cmd: &mut Command,
    mut each_line: impl FnMut(&str),
) -> (TestCounts, Result<()>) {
    println!("$ {}", display(cmd));
    let mut counts = TestCounts::default();
    let mut child = match cmd.stdout(Stdio::piped()).spawn() {
        Ok(child) => child,
        Err(e) => return (counts, Err(spawn_error(cmd, e))),
    };
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            match line {
                Ok(line) => {
                    println!("{line}");
                    counts.add_line(&line);
                    each_line(&line);
                }
                // Not UTF-8 or a broken pipe: the exit status below still decides.
                Err(_) => break,
            }
        }
    }
    let result = match child.wait() {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(Error::CommandFailed {
            command: display(cmd),
            status,
        }),
        Err(e) => Err(spawn_error(cmd, e)),
    };
    (counts, result)
}

/// "4m07s", "12.3s": durations as people read them in a summary.
pub fn human(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs >= 60.0 {
        let whole = d.as_secs();
        format!("{}m{:02}s", whole / 60, whole % 60)
    } else {
        format!("{secs:.1}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_libtest_summary_lines() {
        let mut c = TestCounts::default();
        c.add_line("test result: ok. 3 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s");
        c.add_line("running 2 tests");
        c.add_line(
            "test result: FAILED. 1 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out",
        );
        assert_eq!(
            c,
            TestCounts {
                passed: 4,
                failed: 1,
                ignored: 1,
                binaries: 2
            }
        );
    }

    #[test]
    fn ignores_lines_that_merely_mention_results() {
        let mut c = TestCounts::default();
        c.add_line("println: the test result: was 3 passed");
        assert_eq!(c, TestCounts::default());
    }

    #[test]
    fn formats_durations() {
        assert_eq!(human(Duration::from_millis(12_340)), "12.3s");
        assert_eq!(human(Duration::from_secs(247)), "4m07s");
    }
}
