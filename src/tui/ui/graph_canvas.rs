//! The Stages pane's drawing turned into characters: lines that meet are
//! joined (`┬`, `┼`), boxes and words go over them, and each cell remembers
//! what it belongs to so the pane can colour a stage, its edges and its state.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::stage_graph::GraphLayout;
use crate::dockerfile::StageIndex;

/// What a cell shows, for its colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ink {
    Blank,
    /// A line or its word, into the stage it ends at.
    Edge(StageIndex),
    Image,
    /// A stage's name on its box, which selection highlights.
    Title(StageIndex),
    Stage(StageIndex),
}

const UP: u8 = 1;
const RIGHT: u8 = 2;
const DOWN: u8 = 4;
const LEFT: u8 = 8;

#[derive(Debug, Clone, Copy)]
struct Cell {
    ch: char,
    ink: Ink,
    /// The directions lines leave this cell in, to pick the joining character.
    arms: u8,
}

pub struct Canvas {
    width: usize,
    height: usize,
    cells: Vec<Cell>,
}

impl Canvas {
    pub fn paint(layout: &GraphLayout) -> Canvas {
        let blank = Cell {
            ch: ' ',
            ink: Ink::Blank,
            arms: 0,
        };
        let mut canvas = Canvas {
            width: layout.width,
            height: layout.height,
            cells: vec![blank; layout.width * layout.height],
        };
        for edge in &layout.edges {
            let ink = Ink::Edge(edge.to);
            for pair in edge.points.windows(2) {
                canvas.line(pair[0], pair[1], ink);
            }
            // The first cell touches the box or image it leaves.
            if let Some(&(x, y)) = edge.points.first() {
                canvas.arm(x, y, LEFT, ink);
            }
        }
        for cell in &mut canvas.cells {
            if cell.arms != 0 {
                cell.ch = joint(cell.arms);
            }
        }
        for edge in &layout.edges {
            let Some(&(x, y)) = edge.points.last() else {
                continue;
            };
            let ink = Ink::Edge(edge.to);
            canvas.put(x, y, '▶', ink);
            let word = edge.label();
            canvas.text(x.saturating_sub(word.len()), y, word, ink);
        }
        for image in &layout.images {
            canvas.text(image.x, image.y, &image.text, Ink::Image);
        }
        for b in &layout.boxes {
            let body = Ink::Stage(b.stage);
            let inner = b.width.saturating_sub(2);
            let bottom = b.y + b.height.saturating_sub(1);
            canvas.border(b.x, b.y, inner, ('┌', '┐'), body);
            canvas.text(b.x + 1, b.y, &format!(" {} ", b.title), Ink::Title(b.stage));
            for row in b.y + 1..bottom {
                canvas.put(b.x, row, '│', body);
                canvas.text(b.x + 1, row, &" ".repeat(inner), body);
                canvas.put(b.x + inner + 1, row, '│', body);
            }
            for (i, row) in b.rows.iter().enumerate() {
                canvas.text(b.x + 2, b.y + 1 + i, row, body);
            }
            canvas.border(b.x, bottom, inner, ('└', '┘'), body);
            if !b.detail.is_empty() {
                canvas.text(b.x + 1, bottom, &format!(" {} ", b.detail), body);
            }
        }
        canvas
    }

    pub fn width(&self) -> usize {
        self.width
    }

    pub fn height(&self) -> usize {
        self.height
    }

    /// The cells from column `x`, row `y`, `width` by `height`, as styled lines.
    pub fn lines(
        &self,
        (x, y): (usize, usize),
        (width, height): (usize, usize),
        style: impl Fn(Ink) -> Style,
    ) -> Vec<Line<'static>> {
        let mut lines = Vec::new();
        for row in y..(y + height).min(self.height) {
            let mut spans: Vec<Span<'static>> = Vec::new();
            let mut run = String::new();
            let mut ink = Ink::Blank;
            for col in x..(x + width).min(self.width) {
                let cell = self.cells[row * self.width + col];
                if cell.ink != ink && !run.is_empty() {
                    spans.push(Span::styled(std::mem::take(&mut run), style(ink)));
                }
                ink = cell.ink;
                run.push(cell.ch);
            }
            if !run.is_empty() {
                spans.push(Span::styled(run, style(ink)));
            }
            lines.push(Line::from(spans));
        }
        lines
    }

    fn cell(&mut self, x: usize, y: usize) -> Option<&mut Cell> {
        if x < self.width && y < self.height {
            self.cells.get_mut(y * self.width + x)
        } else {
            None
        }
    }

    fn arm(&mut self, x: usize, y: usize, arms: u8, ink: Ink) {
        if let Some(cell) = self.cell(x, y) {
            cell.arms |= arms;
            cell.ink = ink;
        }
    }

    fn line(&mut self, (x0, y0): (usize, usize), (x1, y1): (usize, usize), ink: Ink) {
        if y0 == y1 {
            let (a, b) = (x0.min(x1), x0.max(x1));
            for x in a..=b {
                let arms = (if x > a { LEFT } else { 0 }) | (if x < b { RIGHT } else { 0 });
                self.arm(x, y0, arms, ink);
            }
        } else if x0 == x1 {
            let (a, b) = (y0.min(y1), y0.max(y1));
            for y in a..=b {
                let arms = (if y > a { UP } else { 0 }) | (if y < b { DOWN } else { 0 });
                self.arm(x0, y, arms, ink);
            }
        }
    }

    fn put(&mut self, x: usize, y: usize, ch: char, ink: Ink) {
        if let Some(cell) = self.cell(x, y) {
            *cell = Cell { ch, ink, arms: 0 };
        }
    }

    fn text(&mut self, x: usize, y: usize, text: &str, ink: Ink) {
        for (i, ch) in text.chars().enumerate() {
            self.put(x + i, y, ch, ink);
        }
    }

    fn border(&mut self, x: usize, y: usize, inner: usize, (left, right): (char, char), ink: Ink) {
        self.put(x, y, left, ink);
        self.text(x + 1, y, &"─".repeat(inner), ink);
        self.put(x + inner + 1, y, right, ink);
    }
}

/// The box-drawing character whose arms point the given ways.
fn joint(arms: u8) -> char {
    match arms {
        a if a == UP | DOWN || a == UP || a == DOWN => '│',
        a if a == RIGHT | DOWN => '┌',
        a if a == LEFT | DOWN => '┐',
        a if a == UP | RIGHT => '└',
        a if a == UP | LEFT => '┘',
        a if a == UP | RIGHT | DOWN => '├',
        a if a == UP | LEFT | DOWN => '┤',
        a if a == LEFT | RIGHT | DOWN => '┬',
        a if a == LEFT | RIGHT | UP => '┴',
        a if a == UP | RIGHT | DOWN | LEFT => '┼',
        _ => '─',
    }
}
