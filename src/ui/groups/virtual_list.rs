//! Which rows of a long list to put in the DOM: the visible window plus some overscan, for a
//! fixed row height. Pure arithmetic, tested natively; the component is in [`super::members`].

/// Rows `start..end` of the list are rendered; the rest is empty space of the right height.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub start: usize,
    pub end: usize,
}

/// The rows to render when the viewport (`viewport_px` high) is scrolled to `scroll_top_px`.
/// `overscan` rows are added on both sides, so fast scrolling doesn't show gaps.
pub fn window(
    scroll_top_px: f64,
    viewport_px: f64,
    row_px: f64,
    len: usize,
    overscan: usize,
) -> Window {
    if len == 0 || row_px <= 0.0 {
        return Window { start: 0, end: 0 };
    }
    let top = scroll_top_px.max(0.0);
    let first = ((top / row_px).floor() as usize).min(len.saturating_sub(1));
    let visible = (viewport_px.max(row_px) / row_px).ceil() as usize + 1;
    let start = first.saturating_sub(overscan);
    let end = (first + visible + overscan).min(len);
    Window { start, end }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_of_the_list() {
        assert_eq!(
            window(0.0, 400.0, 40.0, 50_000, 10),
            Window { start: 0, end: 21 }
        );
    }

    #[test]
    fn middle_and_end() {
        // Scrolled to row 1000: rows 990..1021 rendered.
        let w = window(40_000.0, 400.0, 40.0, 50_000, 10);
        assert_eq!(
            w,
            Window {
                start: 990,
                end: 1021
            }
        );
        // Past the end (list shrank under a filter): still a valid, non-empty window.
        let w = window(4_000_000.0, 400.0, 40.0, 30, 10);
        assert_eq!(w, Window { start: 19, end: 30 });
    }

    #[test]
    fn bounded_whatever_the_length() {
        for len in [0usize, 1, 7, 1_000, 50_000] {
            let w = window(12_345.0, 600.0, 36.0, len, 20);
            assert!(w.start <= w.end && w.end <= len);
            assert!(w.end - w.start <= 600 / 36 + 2 + 40);
        }
        assert_eq!(window(0.0, 400.0, 40.0, 0, 10), Window { start: 0, end: 0 });
    }
}
