//! `semantic-eq render` against a real peer: ffmpeg's RBJ biquads
//! (`lowshelf`, `equalizer`, `highshelf` with `t=q` widths, double
//! precision) applied to the same file must agree within −100 dBFS.

use semantic_eq_model::rng::XorShift64;
use std::path::Path;
use std::process::Command;

fn ffmpeg_available() -> bool {
    Command::new("ffmpeg")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn write_noise(path: &Path, sample_rate: u32, seconds: f64) {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    // White noise through a gentle one-pole lowpass: energy at every band,
    // peaks well below full scale (−12 dBFS RMS-ish).
    let mut rng = XorShift64::new(0x9e37_79b9_7f4a_7c15);
    let mut lp = [0.0f64; 2];
    for _ in 0..(sample_rate as f64 * seconds) as usize {
        for v in &mut lp {
            let white = rng.next_f64() - 0.5;
            *v = 0.7 * *v + 0.3 * white;
            w.write_sample((*v * 0.8) as f32).unwrap();
        }
    }
    w.finalize().unwrap();
}

fn read(path: &Path) -> Vec<f32> {
    hound::WavReader::open(path)
        .unwrap()
        .into_samples::<f32>()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn render_matches_ffmpeg_within_minus_100_dbfs() {
    if !ffmpeg_available() {
        println!("SKIPPED: ffmpeg is not installed (apt-get install ffmpeg); .ci/run installs it");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // (sample rate, --eq, ffmpeg chain); frequencies stay below 0.45·fs,
    // where our engine (but not ffmpeg) would clamp them.
    let cases = [
        (
            48_000,
            "3,120,-2,400,0.7,1.5,1500,2,-4,6000,3,5,9000",
            "lowshelf=f=120:t=q:w=0.71:g=3:r=f64,equalizer=f=400:t=q:w=0.7:g=-2:r=f64,\
             equalizer=f=1500:t=q:w=2:g=1.5:r=f64,equalizer=f=6000:t=q:w=3:g=-4:r=f64,\
             highshelf=f=9000:t=q:w=0.71:g=5:r=f64",
        ),
        (
            44_100,
            "-12,22,12,82,10,-7.5,4700,0.1,9,220,4,12,19000",
            "lowshelf=f=22:t=q:w=0.71:g=-12:r=f64,equalizer=f=82:t=q:w=10:g=12:r=f64,\
             equalizer=f=4700:t=q:w=0.1:g=-7.5:r=f64,equalizer=f=220:t=q:w=4:g=9:r=f64,\
             highshelf=f=19000:t=q:w=0.71:g=12:r=f64",
        ),
    ];
    for (rate, eq, chain) in cases {
        let input = dir.path().join(format!("in-{rate}.wav"));
        let ours = dir.path().join(format!("ours-{rate}.wav"));
        let theirs = dir.path().join(format!("ffmpeg-{rate}.wav"));
        write_noise(&input, rate, 2.0);
        let st = Command::new(env!("CARGO_BIN_EXE_semantic-eq"))
            .args(["render", "--quiet", "--eq", eq])
            .arg(&input)
            .arg(&ours)
            .status()
            .unwrap();
        assert!(st.success());
        let out = Command::new("ffmpeg")
            .args(["-nostdin", "-y", "-v", "error", "-i"])
            .arg(&input)
            .args(["-af", chain, "-c:a", "pcm_f32le"])
            .arg(&theirs)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "ffmpeg failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );

        let (a, b) = (read(&ours), read(&theirs));
        assert_eq!(a.len(), b.len());
        let max_abs = a
            .iter()
            .zip(&b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0f32, f32::max);
        let peak = b.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let db = 20.0 * (max_abs as f64).log10();
        println!(
            "{rate} Hz: max |ours − ffmpeg| = {max_abs:e} ({db:.1} dBFS), output peak {peak:.3}"
        );
        assert!(peak > 0.1, "the EQ output should carry signal");
        assert!(db <= -100.0, "{rate} Hz: {db:.1} dBFS");
    }
}
