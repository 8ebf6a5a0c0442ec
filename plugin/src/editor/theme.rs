//! Colours, type sizes and the egui style of the editor.

use egui::{Color32, FontFamily, FontId, Stroke, TextStyle};

/// Window background.
pub const BG: Color32 = Color32::from_rgb(0x12, 0x14, 0x19);
/// Card background.
pub const PANEL: Color32 = Color32::from_rgb(0x1b, 0x1e, 0x25);
/// Plot and pad background.
pub const WELL: Color32 = Color32::from_rgb(0x0f, 0x11, 0x15);
/// Card and well outlines.
pub const BORDER: Color32 = Color32::from_rgb(0x2e, 0x33, 0x3d);
/// Tint of the pad where the model's training data lies (see
/// `pad::density_tint`).
pub const DATA: Color32 = Color32::from_rgb(0xb8, 0xc4, 0xd6);
/// The analyser's post-EQ spectrum (filled).
pub const SPECTRUM_POST: Color32 = Color32::from_rgb(0x7a, 0x8c, 0xff);
/// The analyser's pre-EQ spectrum (a line).
pub const SPECTRUM_PRE: Color32 = Color32::from_rgb(0xc8, 0xc8, 0xc8);
/// Grid lines.
pub const GRID: Color32 = Color32::from_rgb(0x25, 0x29, 0x31);
/// The 0 dB line and the pad's centre cross.
pub const GRID_STRONG: Color32 = Color32::from_rgb(0x3a, 0x40, 0x4b);
/// Main text.
pub const TEXT: Color32 = Color32::from_rgb(0xe8, 0xea, 0xee);
/// Secondary text (labels, units).
pub const TEXT_DIM: Color32 = Color32::from_rgb(0x9a, 0xa3, 0xb0);
/// Tertiary text (axis ticks).
pub const TEXT_FAINT: Color32 = Color32::from_rgb(0x6c, 0x74, 0x80);
/// The summed EQ curve. Used for nothing else, so a screenshot test can
/// look for it.
pub const CURVE: Color32 = Color32::from_rgb(0x3d, 0xe0, 0xc0);
/// The morph line, on the pad and on the morph slider. Used for nothing
/// else, so a test can find the line among the shapes drawn.
pub const MORPH_LINE: Color32 = Color32::from_rgb(0xff, 0x6e, 0xc7);
/// A band switched off (manual mode): its handle, curve and card.
pub const BAND_OFF: Color32 = Color32::from_rgb(0x5a, 0x61, 0x6d);
/// Warm end of the x axis.
pub const WARM: Color32 = Color32::from_rgb(0xff, 0x9a, 0x4d);
/// Bright end of the x axis.
pub const BRIGHT: Color32 = Color32::from_rgb(0x6c, 0xb8, 0xff);
/// Controls' filled part and the pad point's ring.
pub const ACCENT: Color32 = Color32::from_rgb(0xf2, 0xc9, 0x4c);
/// The filled part of a value bar.
pub const FILL: Color32 = Color32::from_rgb(0x34, 0x40, 0x52);
/// The same, hovered or dragged.
pub const FILL_HOT: Color32 = Color32::from_rgb(0x3f, 0x4d, 0x63);
/// Error text.
pub const ERROR: Color32 = Color32::from_rgb(0xff, 0x6b, 0x6b);
/// A band soloed (its card's solo button), and the A/B side playing.
pub const SOLO: Color32 = Color32::from_rgb(0xff, 0xd2, 0x3f);
/// The user's own words: their diamonds and labels on the pad, and their
/// names in the words line. Used for nothing else, so a screenshot test can
/// find them.
pub const USER_WORD: Color32 = Color32::from_rgb(0xc8, 0xf0, 0x60);
/// Bypass engaged.
pub const BYPASS_ON: Color32 = Color32::from_rgb(0xe0, 0x5a, 0x47);

/// One colour per band: low shelf, bells 1-3, high shelf.
pub const BAND: [Color32; 5] = [
    Color32::from_rgb(0xff, 0x8a, 0x5b),
    Color32::from_rgb(0xf7, 0xd0, 0x5e),
    Color32::from_rgb(0x9b, 0xdc, 0x5f),
    Color32::from_rgb(0x6c, 0xb8, 0xff),
    Color32::from_rgb(0xc7, 0x94, 0xff),
];

/// Type sizes, in points.
pub const TITLE: f32 = 20.0;
pub const BODY: f32 = 14.0;
pub const SMALL: f32 = 12.0;
pub const HEADING: f32 = 12.5;

pub fn font(size: f32) -> FontId {
    FontId::new(size, FontFamily::Proportional)
}

pub fn mono(size: f32) -> FontId {
    FontId::new(size, FontFamily::Monospace)
}

/// `c` with its alpha scaled to `a` (0..1), premultiplied.
pub fn alpha(c: Color32, a: f32) -> Color32 {
    c.gamma_multiply(a)
}

/// Linear mix of two colours, `t` = 0 → `a`, 1 → `b`.
pub fn mix(a: Color32, b: Color32, t: f32) -> Color32 {
    let t = t.clamp(0.0, 1.0);
    let l = |x: u8, y: u8| (f32::from(x) + (f32::from(y) - f32::from(x)) * t).round() as u8;
    Color32::from_rgba_premultiplied(
        l(a.r(), b.r()),
        l(a.g(), b.g()),
        l(a.b(), b.b()),
        l(a.a(), b.a()),
    )
}

/// Dark visuals with our colours and readable type sizes.
pub fn apply(ctx: &egui::Context) {
    ctx.all_styles_mut(|style| {
        style.text_styles = [
            (TextStyle::Heading, font(TITLE)),
            (TextStyle::Body, font(BODY)),
            (TextStyle::Button, font(BODY)),
            (TextStyle::Small, font(SMALL)),
            (TextStyle::Monospace, mono(13.0)),
        ]
        .into();
        let v = &mut style.visuals;
        *v = egui::Visuals::dark();
        v.panel_fill = BG;
        v.window_fill = PANEL;
        v.extreme_bg_color = WELL;
        v.override_text_color = Some(TEXT);
        v.selection.bg_fill = alpha(ACCENT, 0.45);
        v.selection.stroke = Stroke::new(1.0, ACCENT);
        v.text_cursor.stroke = Stroke::new(2.0, ACCENT);
        v.widgets.inactive.bg_fill = Color32::from_rgb(0x2a, 0x2f, 0x38);
        v.widgets.inactive.weak_bg_fill = Color32::from_rgb(0x2a, 0x2f, 0x38);
        v.widgets.inactive.bg_stroke = Stroke::new(1.0, BORDER);
        v.widgets.hovered.weak_bg_fill = Color32::from_rgb(0x34, 0x3a, 0x45);
        v.widgets.hovered.bg_fill = Color32::from_rgb(0x34, 0x3a, 0x45);
        v.widgets.active.weak_bg_fill = Color32::from_rgb(0x3d, 0x44, 0x51);
        v.widgets.noninteractive.bg_stroke = Stroke::new(1.0, BORDER);
        style.spacing.button_padding = egui::vec2(10.0, 5.0);
        style.spacing.item_spacing = egui::vec2(8.0, 6.0);
        style.spacing.interact_size.y = 26.0;
    });
}
