//! The user's own words in the plug-in: the library file, each word's
//! landmark on the model playing, the *user word* slots that `from` and
//! `to` can name, and the candidates the editor reads the EQ back against.
//!
//! Everything here runs off the audio thread: reading and writing the
//! library (on the background task for the editor's *Save as word* and
//! *Remove*, on the host's main thread when a state is restored) and the
//! best-fit search that places each word on the pad. The audio thread only
//! reads each slot's landmark from an atomic ([`UserWords::end`]).
//!
//! A damaged library never stops the plug-in: its good rows are used, the
//! editor says how many were skipped, and it is never written back (that
//! would lose the damaged rows); saving and removing then refuse with the
//! reason.

use nice_plug::params::persist::PersistentField;
use semantic_eq_model::words::{self, Candidate, Loaded, WordError, candidates, word_landmarks};
use semantic_eq_model::{Decoder, EqParams, Landmark};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// The *user word* slots of the `from`/`to` choices.
pub const USER_SLOTS: usize = 8;

/// Model landmarks with fewer training rows than this are not offered as
/// words (nor drawn on the pad: `editor::pad::MIN_LANDMARK_COUNT`).
pub const MIN_WORD_COUNT: usize = 5;

/// An end with no landmark (empty slot, or a word this library lacks).
const NO_END: u64 = u64::MAX;

/// A pad point in one atomic word: x's f32 bits high, y's low.
fn pack(x: f32, y: f32) -> u64 {
    (u64::from(x.to_bits()) << 32) | u64::from(y.to_bits())
}

fn unpack(v: u64) -> Option<(f32, f32)> {
    (v != NO_END).then(|| (f32::from_bits((v >> 32) as u32), f32::from_bits(v as u32)))
}

/// What the editor shows about the user's words.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WordsStatus {
    /// The library file, if the system has a place for it.
    pub path: Option<String>,
    /// The words and their row counts, alphabetical.
    pub words: Vec<(String, usize)>,
    /// Each word's landmark on the model playing, alphabetical.
    pub landmarks: Vec<Landmark>,
    /// What the EQ playing is read back against: the user's words, then
    /// the model's landmarks (with [`MIN_WORD_COUNT`] rows) that no user
    /// word of the same name shadows.
    pub candidates: Vec<Candidate>,
    /// The word each *user word* slot holds ("" = empty).
    pub slots: [String; USER_SLOTS],
    /// Damaged rows skipped when the library was read (one line), or why
    /// it could not be read.
    pub damaged: Option<String>,
    /// The outcome of the last save or remove: text, and whether it failed.
    pub note: Option<(String, bool)>,
}

/// A library change the editor asked for, done by
/// [`UserWords::run_requested`] on the background task.
#[derive(Clone, Debug, PartialEq)]
pub enum WordRequest {
    /// Store `eq` (the EQ playing, before amount) as `word`.
    Teach { word: String, eq: EqParams },
    /// Remove every row of `word`.
    Remove(String),
    /// Read the library file again.
    Reload,
}

struct State {
    /// The library file; `None`: no words (no home folder, or a test).
    path: Option<PathBuf>,
    library: Loaded,
    /// Why the file could not be read, if it could not.
    read_error: Option<String>,
    /// A copy of the model playing, to place the words on its pad.
    decoder: Decoder,
    /// The words' landmarks on `decoder`, once worked out (`None` while a
    /// change waits: the search is done only when something needs it).
    landmarks: Option<Vec<Landmark>>,
    candidates: Vec<Candidate>,
    slots: [String; USER_SLOTS],
    note: Option<(String, bool)>,
}

struct Shared {
    state: Mutex<State>,
    /// Each slot's landmark on the model playing, for the audio thread.
    ends: [AtomicU64; USER_SLOTS],
    /// Bumped on every change the editor shows.
    generation: AtomicU64,
    /// The editor's last request, for the background task.
    request: Mutex<Option<WordRequest>>,
}

/// The user's words; cheap to clone (one shared state). The parameters
/// persist the slots' words, the model slot tells it when the model
/// changes, the editor reads [`UserWords::status`].
#[derive(Clone)]
pub struct UserWords(Arc<Shared>);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding one of these locks leaves plain data behind.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl UserWords {
    /// The words in the library at `path` (`None`: none), placed on the
    /// embedded model. Reads the file; the pad search waits until needed.
    pub fn new(path: Option<PathBuf>) -> Self {
        let mut state = State {
            path,
            library: Loaded::default(),
            read_error: None,
            decoder: Decoder::embedded(),
            landmarks: None,
            candidates: Vec::new(),
            slots: Default::default(),
            note: None,
        };
        read_library(&mut state);
        let shared = Shared {
            state: Mutex::new(state),
            ends: std::array::from_fn(|_| AtomicU64::new(NO_END)),
            generation: AtomicU64::new(0),
            request: Mutex::new(None),
        };
        let words = Self(Arc::new(shared));
        words.changed(&mut lock(&words.0.state), false);
        words
    }

    /// The library the plug-in uses by default: the per-user file
    /// ([`words::library_path`]). Unit tests use none, so that they never
    /// read or write the developer's own words.
    pub fn default_path() -> Option<PathBuf> {
        if cfg!(test) {
            None
        } else {
            words::library_path()
        }
    }

    /// Slot `slot`'s landmark on the model playing, `None` for an empty
    /// slot or a word the library lacks. Audio thread: one atomic load.
    pub fn end(&self, slot: usize) -> Option<(f32, f32)> {
        self.0
            .ends
            .get(slot)
            .and_then(|e| unpack(e.load(Ordering::Acquire)))
    }

    /// Changes whenever the status does.
    pub fn generation(&self) -> u64 {
        self.0.generation.load(Ordering::Acquire)
    }

    /// The editor's view (places the words on the pad first, if a change
    /// is waiting).
    pub fn status(&self) -> WordsStatus {
        let mut st = lock(&self.0.state);
        self.place(&mut st);
        WordsStatus {
            path: st.path.as_ref().map(|p| p.display().to_string()),
            words: st.library.words(),
            landmarks: st.landmarks.clone().unwrap_or_default(),
            candidates: st.candidates.clone(),
            slots: st.slots.clone(),
            damaged: st.read_error.clone().or_else(|| st.library.skipped_note()),
            note: st.note.clone(),
        }
    }

    /// The model playing changed (off the audio thread, before the new
    /// decoder is sent): the words move to their points on its pad.
    pub fn set_model(&self, decoder: &Decoder) {
        let mut st = lock(&self.0.state);
        st.decoder = decoder.clone();
        st.landmarks = None;
        self.changed(&mut st, false);
    }

    /// The slot holding `word`: the one that already does, else the first
    /// empty one, else the first that neither `in_use` slot is (those are
    /// what `from` and `to` play). `None` if the word is not in the
    /// library.
    pub fn assign(&self, word: &str, in_use: [Option<usize>; 2]) -> Option<usize> {
        let mut st = lock(&self.0.state);
        if !st.library.words().iter().any(|(w, _)| w == word) {
            return None;
        }
        let slot = st
            .slots
            .iter()
            .position(|s| s == word)
            .or_else(|| st.slots.iter().position(String::is_empty))
            .or_else(|| (0..USER_SLOTS).find(|k| !in_use.contains(&Some(*k))))?;
        if st.slots[slot] != word {
            st.slots[slot] = word.to_string();
            self.changed(&mut st, false);
        }
        Some(slot)
    }

    /// Remembers a change for the background task ([`UserWords::run_requested`]).
    pub fn request(&self, request: WordRequest) {
        *lock(&self.0.request) = Some(request);
    }

    /// Does the change last given to [`UserWords::request`] (the
    /// background task); its outcome is in the status's note.
    pub fn run_requested(&self) {
        if let Some(r) = lock(&self.0.request).take() {
            // The outcome is in the status's note.
            let _ = self.run(r);
        }
    }

    /// Does `request` now: writes the library (atomically, never over a
    /// damaged one), reads it back, and places the words again. Returns
    /// the outcome's text, or the one-line reason it failed.
    pub fn run(&self, request: WordRequest) -> Result<String, String> {
        let mut st = lock(&self.0.state);
        let outcome = match (&request, st.path.clone()) {
            (WordRequest::Reload, _) => Ok("words read again".to_string()),
            (_, None) => Err("no place for a word library on this system".to_string()),
            (WordRequest::Teach { word, eq }, Some(path)) => {
                words::update(&path, |lib| lib.teach(word, eq))
                    .map(|added| {
                        let w = words::normalize_word(word).unwrap_or_default();
                        if added {
                            format!("saved \u{201c}{w}\u{201d}")
                        } else {
                            format!("\u{201c}{w}\u{201d} already has this EQ")
                        }
                    })
                    .map_err(|e| e.to_string())
            }
            (WordRequest::Remove(word), Some(path)) => {
                // Nothing to remove: nothing written.
                words::update(&path, |lib| match lib.remove(word) {
                    0 => Err(WordError::BadWord(word.clone())),
                    n => Ok(n),
                })
                .map(|n| format!("removed \u{201c}{word}\u{201d} ({n} setting(s))"))
                .map_err(|e| match e {
                    WordError::BadWord(_) => format!("\u{201c}{word}\u{201d} is not in your words"),
                    e => e.to_string(),
                })
            }
        };
        // Whatever happened, show the file as it now is.
        read_library(&mut st);
        st.note = Some(match &outcome {
            Ok(t) => (t.clone(), false),
            Err(e) => (e.clone(), true),
        });
        self.changed(&mut st, true);
        outcome
    }

    /// After any change: the words' landmarks are worked out again when
    /// something needs them now (`place_now`, or a slot the audio thread
    /// may play; otherwise the editor's [`UserWords::status`] does it),
    /// the slots' ends are published, and the editor is told.
    fn changed(&self, st: &mut State, place_now: bool) {
        if place_now || st.slots.iter().any(|s| !s.is_empty()) {
            self.place(st);
        } else {
            self.publish(st);
        }
        self.0.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Places the words on the model's pad if that waits, and publishes
    /// the slots' ends.
    fn place(&self, st: &mut State) {
        if st.landmarks.is_none() {
            let marks = word_landmarks(&st.decoder, &st.library.rows);
            st.candidates =
                candidates(&st.decoder, &st.decoder.landmarks(), &marks, MIN_WORD_COUNT);
            st.landmarks = Some(marks);
        }
        self.publish(st);
    }

    /// Each slot's landmark for the audio thread: its word's, if placed
    /// and in the library; none otherwise (the pad centre plays).
    fn publish(&self, st: &State) {
        let marks = st.landmarks.as_deref().unwrap_or_default();
        for (slot, e) in st.slots.iter().zip(&self.0.ends) {
            let end = marks
                .iter()
                .find(|l| !slot.is_empty() && l.name == *slot)
                .map_or(NO_END, |l| pack(l.x, l.y));
            e.store(end, Ordering::Release);
        }
    }
}

/// Reads the library file into `st` (a missing file is an empty library;
/// an unreadable one keeps no words and says why).
fn read_library(st: &mut State) {
    let (library, error) = match &st.path {
        None => (Loaded::default(), None),
        Some(p) => match words::load(p) {
            Ok(l) => (l, None),
            Err(e) => (Loaded::default(), Some(e.to_string())),
        },
    };
    if library != st.library {
        st.landmarks = None;
    }
    st.library = library;
    st.read_error = error;
}

/// The persisted value is the word in each *user word* slot, so a session
/// plays the same words as morph ends wherever the library has them; a
/// word it lacks sits at the pad centre (the editor says so).
impl<'a> PersistentField<'a, Vec<String>> for UserWords {
    fn set(&self, new_value: Vec<String>) {
        let mut st = lock(&self.0.state);
        let slots: [String; USER_SLOTS] = std::array::from_fn(|k| {
            new_value
                .get(k)
                .and_then(|w| words::normalize_word(w).ok())
                .unwrap_or_default()
        });
        if slots != st.slots {
            st.slots = slots;
            self.changed(&mut st, false);
        }
    }

    fn map<F, R>(&self, f: F) -> R
    where
        F: Fn(&Vec<String>) -> R,
    {
        f(&lock(&self.0.state).slots.to_vec())
    }
}

#[cfg(test)]
mod tests;
