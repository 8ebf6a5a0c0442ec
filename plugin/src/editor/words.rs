//! The editor's *Your words* panel: *Save as word* (a typed descriptor for
//! the EQ playing, before amount, in any mode), the library's words with
//! *Remove*, and what the last change did. The panel only asks; the
//! background task writes the file ([`crate::words_slot`]).

use super::controls;
use super::theme;
use crate::words_slot::{UserWords, WordRequest, WordsStatus};
use egui::{Align2, Pos2, Rect, Stroke, StrokeKind, Ui, vec2};
use semantic_eq_model::EqParams;

/// Width of the panel, points.
const PANEL_W: f32 = 330.0;
/// Height of one word's row.
const ROW_H: f32 = 24.0;
/// Rows shown before the list scrolls.
const MAX_ROWS: usize = 10;

/// What the editor knows about the user's words, refreshed when their
/// generation changes.
pub struct WordsView {
    generation: u64,
    pub status: WordsStatus,
    /// The panel is open.
    pub open: bool,
    /// The word being typed.
    pub text: String,
    /// A change was sent and has not reported back yet.
    pub busy: bool,
    /// The word whose *Remove* was clicked once (a second click removes).
    confirm: Option<String>,
    /// Where the last frame put the panel's parts (for the tests).
    pub placed: WordsPlaced,
}

/// Where the panel's parts are.
#[derive(Clone, Debug, PartialEq)]
pub struct WordsPlaced {
    /// The header's button that opens the panel.
    pub button: Rect,
    /// The panel, while open.
    pub panel: Option<Rect>,
    /// The word field and the save button.
    pub field: Rect,
    pub save: Rect,
    /// Each word's *Remove* button.
    pub remove: Vec<(String, Rect)>,
}

impl Default for WordsPlaced {
    fn default() -> Self {
        Self {
            button: Rect::NOTHING,
            panel: None,
            field: Rect::NOTHING,
            save: Rect::NOTHING,
            remove: Vec::new(),
        }
    }
}

impl WordsView {
    pub fn new(words: &UserWords) -> Self {
        Self {
            generation: words.generation(),
            status: words.status(),
            open: false,
            text: String::new(),
            busy: false,
            confirm: None,
            placed: WordsPlaced::default(),
        }
    }

    /// Picks up a changed status.
    pub fn refresh(&mut self, words: &UserWords) {
        let g = words.generation();
        if g != self.generation {
            self.generation = g;
            self.status = words.status();
            self.busy = false;
        }
    }

    /// The header's button in `rect`; toggles the panel.
    pub fn button(&mut self, ui: &mut Ui, rect: Rect) {
        self.placed.button = rect;
        let n = self.status.words.len();
        let label = if n == 0 {
            "Words…".to_string()
        } else {
            format!("Words ({n})…")
        };
        if controls::button(ui, rect, &label, true)
            .on_hover_text(
                "Your words: save the EQ playing as a descriptor of your own, see and \
                 remove the words you taught",
            )
            .clicked()
        {
            self.open = !self.open;
            self.confirm = None;
        }
    }

    /// The panel under the header's button, while open. `eq` is the EQ
    /// playing before amount (`None` until the audio reports it). Returns
    /// the change asked for, if any.
    pub fn panel(&mut self, ui: &mut Ui, eq: Option<&EqParams>) -> Option<WordRequest> {
        if !self.open {
            self.placed.panel = None;
            self.placed.remove.clear();
            return None;
        }
        // A click elsewhere, or Escape, closes it (the click still does
        // what it does there).
        let outside = |r: Rect| {
            ui.input(|i| {
                i.pointer.primary_pressed()
                    && i.pointer
                        .interact_pos()
                        .is_some_and(|p| !r.contains(p) && !self.placed.button.contains(p))
            })
        };
        if ui.input(|i| i.key_pressed(egui::Key::Escape)) || self.placed.panel.is_some_and(outside)
        {
            self.open = false;
            self.placed.panel = None;
            self.placed.remove.clear();
            return None;
        }
        let rows = self.status.words.len().min(MAX_ROWS);
        let h = 118.0 + rows.max(1) as f32 * ROW_H + 30.0;
        let b = self.placed.button;
        let screen = ui.max_rect();
        let left = (b.right() - PANEL_W).max(screen.left() + 4.0);
        let rect = Rect::from_min_size(Pos2::new(left, b.bottom() + 6.0), vec2(PANEL_W, h));
        self.placed.panel = Some(rect);
        let mut request = None;
        let layer = egui::LayerId::new(
            egui::Order::Foreground,
            egui::Id::unique("semantic-eq-words"),
        );
        let mut ui = ui.new_child(
            egui::UiBuilder::new()
                .layer_id(layer)
                .max_rect(rect)
                .layout(egui::Layout::top_down(egui::Align::Min)),
        );
        let ui = &mut ui;
        // Clicks on the panel must not reach what lies under it.
        ui.interact(
            rect,
            egui::Id::unique("semantic-eq-words-bg"),
            egui::Sense::click(),
        );
        let painter = ui.painter().clone();
        painter.rect_filled(rect, 10.0, theme::PANEL);
        painter.rect_stroke(
            rect,
            10.0,
            Stroke::new(1.0, theme::USER_WORD),
            StrokeKind::Inside,
        );
        let inner = rect.shrink(12.0);
        painter.text(
            inner.left_top(),
            Align2::LEFT_TOP,
            "YOUR WORDS",
            theme::font(theme::HEADING),
            theme::TEXT_FAINT,
        );

        // Save as word: the field, the button, the outcome.
        let top = inner.top() + 24.0;
        let save = Rect::from_min_size(Pos2::new(inner.right() - 110.0, top), vec2(110.0, 26.0));
        let field = Rect::from_min_max(
            Pos2::new(inner.left(), top),
            Pos2::new(save.left() - 8.0, top + 26.0),
        );
        self.placed.field = field;
        self.placed.save = save;
        let edit = ui.put(
            field,
            egui::TextEdit::singleline(&mut self.text)
                .id(egui::Id::unique("semantic-eq-word-field"))
                .hint_text("a word for this EQ")
                .margin(vec2(8.0, 5.0)),
        );
        let entered = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        let can = eq.is_some() && !self.busy && !self.text.trim().is_empty();
        let clicked = controls::button(ui, save, "Save as word", can)
            .on_hover_text(
                "Store the EQ playing (before amount) under this word, in your library \
                 file; it becomes a landmark on the pad and a morph end",
            )
            .on_disabled_hover_text("Type a word first (the audio must be running)")
            .clicked();
        if (entered || clicked)
            && can
            && let Some(eq) = eq
        {
            request = Some(WordRequest::Teach {
                word: self.text.trim().to_string(),
                eq: *eq,
            });
            self.text.clear();
        }
        let small = theme::font(theme::SMALL);
        let mut y = top + 34.0;
        let (note, colour) = if self.busy {
            ("Saving…".to_string(), theme::TEXT_DIM)
        } else {
            match &self.status.note {
                Some((t, true)) => (t.clone(), theme::ERROR),
                Some((t, false)) => (t.clone(), theme::TEXT_DIM),
                None => (
                    "One or two words, e.g. \u{201c}crispy\u{201d} or \u{201c}lo fi\u{201d}"
                        .to_string(),
                    theme::TEXT_FAINT,
                ),
            }
        };
        let g = painter.layout(note, small.clone(), colour, inner.width());
        let gh = g.size().y;
        painter.galley(Pos2::new(inner.left(), y), g, colour);
        y += gh.max(14.0) + 4.0;
        if let Some(d) = &self.status.damaged {
            let g = painter.layout(d.clone(), small.clone(), theme::ERROR, inner.width());
            let gh = g.size().y;
            painter.galley(Pos2::new(inner.left(), y), g, theme::ERROR);
            y += gh + 4.0;
        }

        // The words, with their settings count and Remove.
        self.placed.remove.clear();
        painter.hline(inner.x_range(), y + 2.0, Stroke::new(1.0, theme::BORDER));
        y += 8.0;
        if self.status.words.is_empty() {
            painter.text(
                Pos2::new(inner.left(), y + ROW_H * 0.5),
                Align2::LEFT_CENTER,
                "No words yet.",
                small.clone(),
                theme::TEXT_FAINT,
            );
        }
        let words = &self.status.words;
        for (word, count) in words.iter().take(MAX_ROWS) {
            let row = Rect::from_min_size(Pos2::new(inner.left(), y), vec2(inner.width(), ROW_H));
            let d = 4.5;
            super::pad::diamond(
                &painter,
                Pos2::new(row.left() + d, row.center().y),
                d,
                Stroke::NONE,
            );
            let name = painter.text(
                Pos2::new(row.left() + 16.0, row.center().y),
                Align2::LEFT_CENTER,
                word,
                theme::font(theme::BODY),
                theme::TEXT,
            );
            painter.text(
                Pos2::new(name.right() + 8.0, row.center().y),
                Align2::LEFT_CENTER,
                if *count == 1 {
                    "1 setting".to_string()
                } else {
                    format!("{count} settings")
                },
                small.clone(),
                theme::TEXT_FAINT,
            );
            let remove = Rect::from_min_size(
                Pos2::new(row.right() - 76.0, row.top() + 1.0),
                vec2(76.0, ROW_H - 2.0),
            );
            let sure = self.confirm.as_deref() == Some(word.as_str());
            let label = if sure { "Sure?" } else { "Remove" };
            let hover = if sure {
                "Click again to remove every setting of this word from your library"
            } else {
                "Remove this word from your library (asks once more)"
            };
            if controls::button(ui, remove, label, !self.busy)
                .on_hover_text(hover)
                .clicked()
            {
                if sure {
                    request = Some(WordRequest::Remove(word.clone()));
                    self.confirm = None;
                } else {
                    self.confirm = Some(word.clone());
                }
            }
            self.placed.remove.push((word.clone(), remove));
            y += ROW_H;
        }
        if words.len() > MAX_ROWS {
            painter.text(
                Pos2::new(inner.left(), y + 8.0),
                Align2::LEFT_CENTER,
                format!(
                    "and {} more (semantic-eq words list)",
                    words.len() - MAX_ROWS
                ),
                small.clone(),
                theme::TEXT_FAINT,
            );
        }
        let path = self
            .status
            .path
            .clone()
            .unwrap_or_else(|| "no library file on this system".to_string());
        let g = painter.layout_no_wrap(path, small, theme::TEXT_FAINT);
        painter.with_clip_rect(inner).galley(
            Pos2::new(inner.left(), inner.bottom() - g.size().y),
            g,
            theme::TEXT_FAINT,
        );
        if request.is_some() {
            self.busy = true;
        }
        request
    }
}
