//! Which pad model plays, and how a new one reaches the audio thread.
//!
//! Loading (file I/O, parsing, validation, allocation) happens off the audio
//! thread: on the background task for a file picked in the editor, on the
//! host's main thread when a saved state names a file. A validated decoder
//! travels to the audio thread through a wait-free queue; the audio thread
//! swaps it in and sends the old one back through a second queue, to be
//! freed here, so nothing is ever freed on the audio thread. A file that
//! fails to load leaves the current model playing; the reason goes to the
//! log and to [`ModelSlot::status`] for the editor.

use crate::words_slot::UserWords;
use nice_plug::params::persist::PersistentField;
use nice_plug::prelude::*;
use semantic_eq_model::file::load_decoder;
use semantic_eq_model::{Decoder, Density, Landmark};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Decoders in flight towards the audio thread (more than one pending load
/// is pointless: the newest wins anyway).
const QUEUE: usize = 4;

/// What the editor shows about the model.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ModelStatus {
    /// File path of the model playing; empty for the embedded one.
    pub path: String,
    /// The model's display name (its file stem, or "default").
    pub name: String,
    /// The landmarks of the model playing.
    pub landmarks: Vec<Landmark>,
    /// Where its training rows sit on the pad, if the file says.
    pub density: Option<Density>,
    /// Why the last load failed, if it did (one line).
    pub error: Option<String>,
}

/// The audio thread's ends of the model queues.
pub struct AudioEnds {
    /// Validated decoders to swap in.
    pub incoming: rtrb::Consumer<Box<Decoder>>,
    /// Decoders swapped out, to be freed off the audio thread.
    pub retired: rtrb::Producer<Box<Decoder>>,
}

impl AudioEnds {
    /// The newest waiting decoder, if any, provided the old one can be
    /// handed back (so that it is never dropped here). Wait-free.
    pub fn take_new(&mut self) -> Option<Box<Decoder>> {
        let mut newest = None;
        while self.retired.slots() > usize::from(newest.is_some()) {
            match self.incoming.pop() {
                Ok(d) => {
                    if let Some(older) = newest.replace(d) {
                        // Never dropped here: there was room, checked above.
                        let _ = self.retired.push(older);
                    }
                }
                Err(_) => break,
            }
        }
        newest
    }

    /// Hands a swapped-out decoder back for freeing. The caller has checked
    /// there is room ([`AudioEnds::take_new`] does).
    pub fn retire(&mut self, old: Box<Decoder>) {
        if let Err(rtrb::PushError::Full(old)) = self.retired.push(old) {
            // Unreachable by construction; leaking beats freeing here.
            std::mem::forget(old);
        }
    }
}

/// Shared between the plug-in, its parameters (persistence), the editor and
/// the background task.
pub struct ModelSlot {
    status: Mutex<ModelStatus>,
    /// Producer end of the queue to the audio thread.
    incoming: Mutex<rtrb::Producer<Box<Decoder>>>,
    /// Consumer end of the queue of retired decoders.
    retired: Mutex<rtrb::Consumer<Box<Decoder>>>,
    /// The audio thread's ends, until the plug-in takes them.
    audio_ends: Mutex<Option<AudioEnds>>,
    /// Path the editor asked for; read by the background task.
    requested: Mutex<String>,
    /// Bumped on every status change, so the editor can notice cheaply.
    generation: AtomicU64,
    /// The user's words, placed again on every model loaded.
    words: UserWords,
}

impl ModelSlot {
    /// The embedded model, with `words` to place on each model loaded.
    pub fn new(words: UserWords) -> Self {
        let (in_tx, in_rx) = rtrb::RingBuffer::new(QUEUE);
        let (ret_tx, ret_rx) = rtrb::RingBuffer::new(QUEUE + 1);
        let embedded = Decoder::embedded();
        Self {
            status: Mutex::new(ModelStatus {
                path: String::new(),
                name: "default".into(),
                landmarks: embedded.landmarks(),
                density: embedded.density().cloned(),
                error: None,
            }),
            incoming: Mutex::new(in_tx),
            retired: Mutex::new(ret_rx),
            audio_ends: Mutex::new(Some(AudioEnds {
                incoming: in_rx,
                retired: ret_tx,
            })),
            requested: Mutex::new(String::new()),
            generation: AtomicU64::new(0),
            words,
        }
    }
}

fn display_name(path: &str) -> String {
    if path.is_empty() {
        return "default".into();
    }
    Path::new(path)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.to_string())
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding one of these locks leaves plain data behind.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl ModelSlot {
    /// The audio thread's queue ends; `None` after the first call.
    pub fn take_audio_ends(&self) -> Option<AudioEnds> {
        lock(&self.audio_ends).take()
    }

    /// Gives back the audio ends (when the plug-in is dropped), so a later
    /// instance sharing this slot could take them again.
    pub fn return_audio_ends(&self, ends: AudioEnds) {
        *lock(&self.audio_ends) = Some(ends);
    }

    /// A copy of the status, for the editor.
    pub fn status(&self) -> ModelStatus {
        lock(&self.status).clone()
    }

    /// Changes whenever the status does.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Remembers a path for the background task ([`ModelSlot::load_requested`]).
    pub fn request(&self, path: &str) {
        *lock(&self.requested) = path.to_string();
    }

    /// Loads the path last given to [`ModelSlot::request`] (the background task).
    pub fn load_requested(&self) -> Result<(), String> {
        let path = lock(&self.requested).clone();
        self.load(&path)
    }

    /// Loads `path` ("" = the embedded model), validates it and sends it to
    /// the audio thread. On failure the current model keeps playing and the
    /// reason is logged and kept in the status.
    pub fn load(&self, path: &str) -> Result<(), String> {
        self.free_retired();
        let result = load_decoder(path).and_then(|decoder| {
            let landmarks = decoder.landmarks();
            let density = decoder.density().cloned();
            let mut incoming = lock(&self.incoming);
            if incoming.slots() == 0 {
                return Err("too many model loads in a row; try again".to_string());
            }
            // The words' points on the new pad before the model plays.
            self.words.set_model(&decoder);
            // Cannot fail: there was room, and only this holds the lock.
            let _ = incoming.push(Box::new(decoder));
            Ok((landmarks, density))
        });
        let mut status = lock(&self.status);
        let out = match result {
            Ok((landmarks, density)) => {
                *status = ModelStatus {
                    path: path.to_string(),
                    name: display_name(path),
                    landmarks,
                    density,
                    error: None,
                };
                nice_log!("model loaded: {}", status.name);
                Ok(())
            }
            Err(reason) => {
                nice_error!("model not loaded, keeping '{}': {reason}", status.name);
                status.error = Some(reason.clone());
                Err(reason)
            }
        };
        self.generation.fetch_add(1, Ordering::AcqRel);
        out
    }

    /// Frees decoders the audio thread has retired.
    pub fn free_retired(&self) {
        let mut rx = lock(&self.retired);
        while rx.pop().is_ok() {}
    }
}

/// The persisted value is the model's path. Restoring a state loads that
/// file right away (on the host's main thread), so a restored instance plays
/// the same model from its first sample; a missing or bad file keeps the
/// current model and reports why.
impl<'a> PersistentField<'a, String> for ModelSlot {
    fn set(&self, new_value: String) {
        if lock(&self.status).path != new_value {
            let _ = self.load(&new_value);
        }
    }

    fn map<F, R>(&self, f: F) -> R
    where
        F: Fn(&String) -> R,
    {
        f(&lock(&self.status).path)
    }
}
