//! Band solo from the editor to the audio thread: which band is soloed, as
//! one atomic ([`Solo`]). The filtering itself is
//! [`semantic_eq_dsp::audition::Audition`], run by `process()` after the
//! processor on the band's current frequency and Q.
//!
//! Solo is a listening aid, not part of the EQ: it is not a parameter, is
//! never saved, and `process()` clears it whenever the editor is closed.

use semantic_eq_model::BAND_COUNT;
use std::sync::atomic::{AtomicU8, Ordering};

/// The soloed band, shared by the editor (which sets it) and the audio
/// thread (which reads it, and clears it while the editor is closed).
#[derive(Debug, Default)]
pub struct Solo {
    /// 0 = none, else the band's index + 1.
    band: AtomicU8,
}

impl Solo {
    /// The soloed band, if any.
    pub fn get(&self) -> Option<usize> {
        match self.band.load(Ordering::Relaxed) {
            0 => None,
            b => Some(usize::from(b - 1)).filter(|&b| b < BAND_COUNT),
        }
    }

    /// Solos `band` (or nothing).
    pub fn set(&self, band: Option<usize>) {
        let v = band.filter(|&b| b < BAND_COUNT).map_or(0, |b| b as u8 + 1);
        self.band.store(v, Ordering::Relaxed);
    }

    /// Solos `band`, or unsolos it if it was soloed.
    pub fn toggle(&self, band: usize) {
        self.set(if self.get() == Some(band) {
            None
        } else {
            Some(band)
        });
    }

    /// What the audio thread plays: the soloed band while the editor is
    /// open; with the editor closed, nothing, and the solo is cleared so
    /// that it is not back when the editor opens again.
    pub fn heard(&self, editor_open: bool) -> Option<usize> {
        if editor_open {
            self.get()
        } else {
            if self.band.load(Ordering::Relaxed) != 0 {
                self.band.store(0, Ordering::Relaxed);
            }
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solo_toggles_and_is_cleared_while_the_editor_is_closed() {
        let s = Solo::default();
        assert_eq!(s.get(), None);
        s.toggle(2);
        assert_eq!(s.heard(true), Some(2));
        s.toggle(4);
        assert_eq!(s.get(), Some(4));
        s.toggle(4);
        assert_eq!(s.get(), None);
        s.set(Some(1));
        assert_eq!(s.heard(false), None);
        assert_eq!(s.heard(true), None, "closing the editor cleared the solo");
        s.set(Some(BAND_COUNT));
        assert_eq!(s.get(), None, "no such band");
    }
}
