use super::*;
use crate::SemanticEq;
use crate::params::{Descriptor, SemanticEqParams};
use nice_plug::prelude::{Param, Params};
use semantic_eq_dsp::Control;
use semantic_eq_model::{EqParams, cascade_magnitude_db};
use std::path::Path;

/// A setting a user might teach: `ls`/`hs` dB on the shelves, one bell.
fn eq(ls: f64, bell: f64, hs: f64) -> EqParams {
    EqParams {
        ls_gain_db: ls,
        b2_gain_db: bell,
        hs_gain_db: hs,
        ..EqParams::default()
    }
}

/// Mean absolute dB difference of two settings' cascades at 128
/// log-spaced frequencies, 20 Hz–20 kHz, evaluated frequency by frequency.
fn distance_db(a: &EqParams, b: &EqParams) -> f64 {
    (0..128)
        .map(|i| {
            let f = 20.0 * 1000f64.powf(i as f64 / 127.0);
            (cascade_magnitude_db(a, f, 48_000.0) - cascade_magnitude_db(b, f, 48_000.0)).abs()
        })
        .sum::<f64>()
        / 128.0
}

/// The least mean distance from any point of the pad's 101² grid (steps
/// of 1 %) to `rows`, searched here point by point, and that of `(x, y)`.
fn independent_fit(decoder: &Decoder, rows: &[EqParams], (x, y): (f32, f32)) -> (f64, f64) {
    let mean = |x: f32, y: f32| {
        let at = decoder.decode(x, y).params;
        rows.iter().map(|r| distance_db(&at, r)).sum::<f64>() / rows.len() as f64
    };
    let mut best = f64::INFINITY;
    for iy in 0..=100 {
        for ix in 0..=100 {
            let (gx, gy) = (-1.0 + ix as f64 * 0.02, -1.0 + iy as f64 * 0.02);
            best = best.min(mean(gx as f32, gy as f32));
        }
    }
    (best, mean(x, y))
}

fn plugin(library: &Path) -> SemanticEq {
    SemanticEq::with_params(Arc::new(SemanticEqParams::with_library(Some(
        library.to_path_buf(),
    ))))
}

/// Sets the morph's `to` choice, as a host would.
fn set_to(plugin: &SemanticEq, d: Descriptor) {
    let norm = plugin.params.to.preview_normalized(d);
    let (_, ptr, _) = plugin
        .params
        .param_map()
        .into_iter()
        .find(|(id, _, _)| id == "to")
        .unwrap();
    // SAFETY: `ptr` points into `plugin`'s parameters, alive here.
    unsafe { ptr._internal_set_normalized_value(norm) };
}

/// The morph line's `to` end as the audio thread follows it.
fn to_end(plugin: &SemanticEq) -> (f32, f32) {
    let values = plugin.followed(&Decoder::embedded());
    let get = |c: Control| values.iter().find(|(k, _)| *k == c).unwrap().1;
    (get(Control::ToX), get(Control::ToY))
}

#[test]
fn a_taught_word_is_a_landmark_at_its_best_fit_point_after_a_reload_and_plays_as_a_morph_end() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config").join("words.csv");
    let taught = [eq(-2.0, 3.0, 6.0), eq(0.0, 2.0, 8.0)];
    {
        let words = UserWords::new(Some(path.clone()));
        for e in &taught {
            let r = words.run(WordRequest::Teach {
                word: "Crispy".into(),
                eq: *e,
            });
            assert_eq!(r, Ok("saved \u{201c}crispy\u{201d}".into()));
        }
        // The same EQ again is not a second row.
        let again = words.run(WordRequest::Teach {
            word: "crispy".into(),
            eq: taught[0],
        });
        assert!(again.unwrap().contains("already"));
    }
    // A fresh plug-in instance reads it back from the file.
    let plug = plugin(&path);
    let status = plug.params.words.status();
    assert_eq!(status.words, [("crispy".to_string(), 2)]);
    let mark = status.landmarks[0].clone();
    assert_eq!((mark.name.as_str(), mark.count), ("crispy", 2));
    let (best, at) = independent_fit(&Decoder::embedded(), &taught, (mark.x, mark.y));
    assert!(
        at - best < 1e-9,
        "landmark ({}, {}) is {at} dB from the rows, the best grid point {best} dB",
        mark.x,
        mark.y
    );
    // It reads back as the nearest word to its own decoded EQ.
    let own = Decoder::embedded().decode(mark.x, mark.y).params;
    let near = words::nearest_of(&status.candidates, &own, 3);
    assert_eq!((near[0].name.as_str(), near[0].user), ("crispy", true));

    // Chosen as the morph's `to`: the audio thread plays its landmark.
    let slot = plug.params.words.assign("crispy", [None, None]).unwrap();
    assert_eq!(slot, 0);
    set_to(&plug, Descriptor::user(slot));
    assert_eq!(to_end(&plug), (mark.x, mark.y));

    // The session: a second instance on the same library plays it too.
    let fields = plug.params.serialize_fields();
    let again = plugin(&path);
    again.params.deserialize_fields(&fields);
    set_to(&again, Descriptor::user(slot));
    assert_eq!(to_end(&again), (mark.x, mark.y));

    // On a machine without the word, the session loads, says so, and the
    // end sits at the centre.
    let elsewhere = plugin(&dir.path().join("other.csv"));
    elsewhere.params.deserialize_fields(&fields);
    set_to(&elsewhere, Descriptor::user(slot));
    assert_eq!(to_end(&elsewhere), (0.0, 0.0));
    let st = elsewhere.params.words.status();
    assert_eq!(st.slots[0], "crispy");
    assert!(st.landmarks.is_empty());
}

#[test]
fn a_damaged_or_truncated_library_is_read_but_never_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("words.csv");
    let mut good = Loaded::default();
    good.teach("crispy", &eq(0.0, 0.0, 6.0)).unwrap();
    let mut text = good.to_csv(None);
    // A row with a word but cut off halfway through its numbers.
    text.push_str("1000000007,boxy,,2,2,1.5,80");
    std::fs::write(&path, &text).unwrap();
    let words = UserWords::new(Some(path.clone()));
    let st = words.status();
    assert_eq!(
        st.words,
        [("crispy".to_string(), 1)],
        "the good row is kept"
    );
    let note = st.damaged.expect("the damage is reported");
    assert!(note.contains("1 damaged row"), "{note}");
    for r in [
        WordRequest::Teach {
            word: "boxy".into(),
            eq: eq(3.0, 0.0, 0.0),
        },
        WordRequest::Remove("crispy".into()),
    ] {
        let e = words.run(r).unwrap_err();
        assert!(e.contains("not written"), "{e}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text, "untouched");
        let st = words.status();
        assert_eq!(st.note, Some((e, true)), "the editor shows why");
        assert_eq!(st.words.len(), 1, "still playing the good rows");
    }
}

#[test]
fn a_library_that_cannot_be_written_keeps_what_it_had() {
    let dir = tempfile::tempdir().unwrap();
    // The folder the library would go in is a file: nothing can be made
    // there (unlike a read-only mode bit, this holds for root too).
    let blocker = dir.path().join("config");
    std::fs::write(&blocker, b"not a folder").unwrap();
    let path = blocker.join("words.csv");
    let words = UserWords::new(Some(path.clone()));
    let e = words
        .run(WordRequest::Teach {
            word: "crispy".into(),
            eq: eq(0.0, 0.0, 6.0),
        })
        .unwrap_err();
    assert!(e.contains("config"), "names the place: {e}");
    assert_eq!(std::fs::read(&blocker).unwrap(), b"not a folder");
    assert!(words.status().words.is_empty());
    // A word that is not a word is refused before any file is touched.
    let ok_path = dir.path().join("words.csv");
    let words = UserWords::new(Some(ok_path.clone()));
    let e = words
        .run(WordRequest::Teach {
            word: "3 band boost".into(),
            eq: eq(0.0, 0.0, 6.0),
        })
        .unwrap_err();
    assert!(e.contains("one or two words"), "{e}");
    assert!(!ok_path.exists());
}

#[test]
fn removing_a_word_takes_all_its_rows_and_frees_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("words.csv");
    let words = UserWords::new(Some(path.clone()));
    for (w, e) in [
        ("crispy", eq(0.0, 0.0, 6.0)),
        ("crispy", eq(0.0, 1.0, 5.0)),
        ("boxy", eq(2.0, 4.0, 0.0)),
    ] {
        words
            .run(WordRequest::Teach {
                word: w.into(),
                eq: e,
            })
            .unwrap();
    }
    let slot = words.assign("crispy", [None, None]).unwrap();
    assert!(words.end(slot).is_some());
    let done = words.run(WordRequest::Remove("crispy".into())).unwrap();
    assert!(done.contains("2 setting"), "{done}");
    let st = words.status();
    assert_eq!(st.words, [("boxy".to_string(), 1)]);
    // The slot keeps its word (the session may come back to a library
    // that has it) but plays the centre.
    assert_eq!(st.slots[slot], "crispy");
    assert_eq!(words.end(slot), None);
    let e = words.run(WordRequest::Remove("crispy".into())).unwrap_err();
    assert!(e.contains("not in your words"), "{e}");
    // Reading the file back gives the same library.
    assert_eq!(UserWords::new(Some(path)).status().words, st.words);
}

#[test]
fn slots_are_reused_by_word_and_spare_the_ones_playing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("words.csv");
    let words = UserWords::new(Some(path));
    let names: Vec<String> = (0..USER_SLOTS + 2)
        .map(|i| format!("word {}", char::from(b'a' + i as u8)))
        .collect();
    for (i, w) in names.iter().enumerate() {
        words
            .run(WordRequest::Teach {
                word: w.clone(),
                eq: eq(i as f64 - 4.0, 0.0, 4.0 - i as f64),
            })
            .unwrap();
    }
    assert_eq!(words.assign("not taught", [None, None]), None);
    for (k, w) in names.iter().take(USER_SLOTS).enumerate() {
        assert_eq!(words.assign(w, [None, None]), Some(k));
        assert_eq!(
            words.assign(w, [None, None]),
            Some(k),
            "same word, same slot"
        );
    }
    // All full: the first slot neither end plays.
    let next = &names[USER_SLOTS];
    assert_eq!(words.assign(next, [Some(0), Some(1)]), Some(2));
    assert_eq!(words.status().slots[2], *next);
    let marks = words.status().landmarks;
    let mark = marks.iter().find(|l| l.name == *next).unwrap();
    assert_eq!(words.end(2), Some((mark.x, mark.y)));
}

#[test]
fn without_a_library_there_are_no_words_and_the_model_still_reads_back() {
    let words = UserWords::new(None);
    let st = words.status();
    assert!(st.words.is_empty() && st.landmarks.is_empty());
    assert!(st.candidates.iter().all(|c| !c.user));
    assert!(st.candidates.iter().any(|c| c.name == "warm"));
    let e = words
        .run(WordRequest::Teach {
            word: "crispy".into(),
            eq: eq(0.0, 0.0, 6.0),
        })
        .unwrap_err();
    assert!(e.contains("no place"), "{e}");
}

/// A library in a folder without write permission: saving fails with the
/// reason, the file and the folder are as they were, the words still play.
/// (A process that may write anyway, root, skips it, saying so: the
/// folder-is-a-file test above covers that case.)
#[cfg(unix)]
#[test]
fn a_read_only_library_gives_the_reason_and_changes_nothing() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("config");
    std::fs::create_dir(&folder).unwrap();
    let path = folder.join("words.csv");
    let mut lib = Loaded::default();
    lib.teach("crispy", &eq(0.0, 0.0, 6.0)).unwrap();
    let text = lib.to_csv(None);
    std::fs::write(&path, &text).unwrap();
    let set_mode =
        |p: &Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    set_mode(&path, 0o444);
    set_mode(&folder, 0o555);
    let probe = folder.join("probe");
    if std::fs::write(&probe, b"").is_ok() {
        let _ = std::fs::remove_file(&probe);
        set_mode(&folder, 0o755);
        eprintln!("skipped: this process may write into a read-only folder (root)");
        return;
    }
    let words = UserWords::new(Some(path.clone()));
    let e = words
        .run(WordRequest::Teach {
            word: "boxy".into(),
            eq: eq(3.0, 2.0, 0.0),
        })
        .unwrap_err();
    let listing: Vec<_> = std::fs::read_dir(&folder).unwrap().collect();
    set_mode(&folder, 0o755);
    assert!(e.contains("ermission denied"), "{e}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    assert_eq!(listing.len(), 1, "no temporary left: {listing:?}");
    assert_eq!(words.status().words, [("crispy".to_string(), 1)]);
}
