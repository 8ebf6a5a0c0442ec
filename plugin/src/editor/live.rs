//! What the audio thread shows the editor: the EQ the engine is playing
//! (amount applied) and the smoothed pad point, through a triple buffer.
//!
//! The audio thread writes only while the editor window is open, and only
//! when something changed; each write is a copy of a small `Copy` value into
//! the triple buffer's back slot plus two atomic stores (the buffer's flag
//! and the repaint request). No allocation, lock or system call.

use nice_plug_egui::{EguiEditorState, RepaintNotifier};
use semantic_eq_dsp::Processor;
use semantic_eq_model::EqParams;
use std::sync::Arc;

/// One snapshot of what is playing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LiveView {
    /// The EQ the engine has reached (amount applied), for the curve.
    pub eq: EqParams,
    /// The EQ the controls stand for, before amount (manual mode's
    /// starting point for "edit this curve").
    pub source_eq: EqParams,
    /// The smoothed pad point, −1..1 each.
    pub pad: [f32; 2],
    /// The point being decoded: the pad point, or the point on the morph
    /// line, within the decoder's input box.
    pub latent: [f32; 2],
    /// Sample rate the EQ runs at (the curve is drawn at it).
    pub sample_rate: f32,
    /// False until the audio thread has published anything.
    pub valid: bool,
}

impl Default for LiveView {
    fn default() -> Self {
        Self {
            eq: EqParams::default(),
            source_eq: EqParams::default(),
            pad: [0.0; 2],
            latent: [0.0; 2],
            sample_rate: 48_000.0,
            valid: false,
        }
    }
}

impl LiveView {
    /// What `processor` is playing at its current position.
    pub fn of(processor: &Processor) -> Self {
        let (x, y) = processor.current_pad();
        let (lx, ly) = processor.current_latent();
        Self {
            eq: processor.current_eq(),
            source_eq: processor.current_source_eq(),
            pad: [x as f32, y as f32],
            latent: [lx as f32, ly as f32],
            sample_rate: processor.sample_rate() as f32,
            valid: true,
        }
    }
}

/// The audio thread's end.
pub struct LivePublisher {
    input: triple_buffer::Input<LiveView>,
    editor: Arc<EguiEditorState>,
    repaint: RepaintNotifier,
    /// Last value written, to skip writes (and repaints) when nothing moved.
    last: LiveView,
    /// Whether the editor was open at the last call: a window that just
    /// opened always gets a fresh value.
    was_open: bool,
}

impl LivePublisher {
    /// A publisher and the editor's end of its buffer.
    pub fn new(
        editor: Arc<EguiEditorState>,
        repaint: RepaintNotifier,
    ) -> (Self, triple_buffer::Output<LiveView>) {
        let (input, output) = triple_buffer::triple_buffer(&LiveView::default());
        (
            Self {
                input,
                editor,
                repaint,
                last: LiveView::default(),
                was_open: false,
            },
            output,
        )
    }

    /// Publishes `make()` if the editor is open and the value changed.
    /// Realtime-safe: `make` is only called while the editor is open.
    #[inline]
    pub fn publish(&mut self, make: impl FnOnce() -> LiveView) {
        if !self.editor.is_open() {
            self.was_open = false;
            return;
        }
        let view = make();
        if !self.was_open || view != self.last {
            self.input.write(view);
            self.last = view;
            self.repaint.request_repaint();
        }
        self.was_open = true;
    }
}
