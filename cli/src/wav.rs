//! Just enough RIFF/WAVE to read and write PCM audio fast.
//!
//! The header is parsed here (any chunk order before `data`, odd-sized
//! chunks with their pad byte, `WAVE_FORMAT_EXTENSIBLE`); the sample data is
//! then moved in large blocks and converted with tight loops over byte
//! slices, which is what keeps file I/O far cheaper than the EQ itself.
//!
//! Supported sample formats: 16, 24 and 32-bit little-endian integer and
//! 32-bit IEEE float, 1 to [`MAX_CHANNELS`] channels.

use anyhow::{Context, Result, bail, ensure};
use semantic_eq_dsp::engine::MAX_CHANNELS;
use std::io::{self, Read, Seek, SeekFrom};

/// How one sample is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SampleFormat {
    I16,
    I24,
    I32,
    F32,
}

impl SampleFormat {
    /// Bytes per sample.
    pub fn bytes(self) -> usize {
        match self {
            Self::I16 => 2,
            Self::I24 => 3,
            Self::I32 | Self::F32 => 4,
        }
    }

    /// Bits per sample (container size).
    pub fn bits(self) -> u16 {
        self.bytes() as u16 * 8
    }

    pub fn is_float(self) -> bool {
        self == Self::F32
    }
}

impl std::fmt::Display for SampleFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::I16 => "16-bit integer",
            Self::I24 => "24-bit integer",
            Self::I32 => "32-bit integer",
            Self::F32 => "32-bit float",
        })
    }
}

/// The audio format of a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WavFormat {
    pub sample: SampleFormat,
    pub channels: usize,
    pub sample_rate: u32,
    /// Speaker mask of a `WAVE_FORMAT_EXTENSIBLE` header.
    pub channel_mask: Option<u32>,
}

impl WavFormat {
    /// Bytes per frame (one sample of every channel).
    pub fn frame_bytes(&self) -> usize {
        self.sample.bytes() * self.channels
    }
}

/// Where the audio of a file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WavInfo {
    pub format: WavFormat,
    /// Byte offset of the first sample.
    pub data_offset: u64,
    /// Number of frames in the data chunk.
    pub frames: u64,
}

const WAVE_FORMAT_PCM: u16 = 0x0001;
const WAVE_FORMAT_IEEE_FLOAT: u16 = 0x0003;
const WAVE_FORMAT_EXTENSIBLE: u16 = 0xFFFE;
/// Bytes 2..16 of every `KSDATAFORMAT_SUBTYPE_*` GUID derived from a format
/// tag (`XXXXXXXX-0000-0010-8000-00AA00389B71`; the tag is in bytes 0..2).
const GUID_TAIL: [u8; 14] = [
    0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71,
];
/// `fmt ` chunks longer than this are not WAV headers we can use.
const MAX_FMT_LEN: u32 = 4096;

fn tag_name(tag: u16) -> String {
    match tag {
        0x0002 => "Microsoft ADPCM".into(),
        0x0006 => "A-law".into(),
        0x0007 => "µ-law".into(),
        0x0011 => "IMA ADPCM".into(),
        0x0031 => "GSM 6.10".into(),
        0x0050 => "MPEG".into(),
        0x0055 => "MP3".into(),
        _ => format!("format tag 0x{tag:04X}"),
    }
}

const SUPPORTED: &str = "16, 24 or 32-bit integer or 32-bit float PCM";

/// Reads the header of a WAV file up to the start of its sample data.
///
/// `file_len` is the length of the whole file; a data chunk that claims more
/// bytes than the file holds is an error (a truncated file), not silently cut.
pub fn read_header<R: Read + Seek>(r: &mut R, file_len: u64) -> Result<WavInfo> {
    let mut riff = [0u8; 12];
    read_or(r, &mut riff, "not a WAV file (shorter than a RIFF header)")?;
    match &riff[0..4] {
        b"RIFF" => {}
        b"RIFX" => bail!("big-endian (RIFX) WAV files are not supported"),
        b"RF64" | b"BW64" => bail!("RF64/BW64 WAV files are not supported"),
        _ => bail!("not a WAV file (no RIFF header)"),
    }
    ensure!(
        &riff[8..12] == b"WAVE",
        "not a WAV file (RIFF type is not WAVE)"
    );

    let mut pos: u64 = 12;
    let mut format: Option<WavFormat> = None;
    loop {
        let mut head = [0u8; 8];
        if let Err(e) = r.read_exact(&mut head) {
            if e.kind() == io::ErrorKind::UnexpectedEof {
                bail!(
                    "not a valid WAV file: no {} chunk",
                    if format.is_none() { "fmt" } else { "data" }
                );
            }
            return Err(e).context("cannot read WAV header");
        }
        let id = [head[0], head[1], head[2], head[3]];
        let len = u32::from_le_bytes([head[4], head[5], head[6], head[7]]);
        let body = pos + 8;
        match &id {
            b"data" => {
                let Some(format) = format else {
                    bail!("not a valid WAV file: data chunk before the fmt chunk");
                };
                let len = u64::from(len);
                let available = file_len.saturating_sub(body);
                ensure!(
                    len <= available,
                    "truncated WAV file: the data chunk declares {len} bytes but only {available} are present"
                );
                let frame = format.frame_bytes() as u64;
                ensure!(
                    len.is_multiple_of(frame),
                    "invalid WAV file: data chunk length {len} is not a multiple of the frame size {frame}"
                );
                return Ok(WavInfo {
                    format,
                    data_offset: body,
                    frames: len / frame,
                });
            }
            b"fmt " => {
                ensure!(
                    format.is_none(),
                    "invalid WAV file: more than one fmt chunk"
                );
                ensure!(
                    (16..=MAX_FMT_LEN).contains(&len),
                    "invalid WAV file: fmt chunk of {len} bytes"
                );
                let mut fmt = vec![0u8; len as usize];
                read_or(
                    r,
                    &mut fmt,
                    "truncated WAV file: the fmt chunk is cut short",
                )?;
                format = Some(parse_fmt(&fmt)?);
                if len % 2 == 1 {
                    r.seek(SeekFrom::Current(1))?;
                }
            }
            _ => {
                let skip = u64::from(len) + u64::from(len % 2);
                ensure!(
                    body + skip <= file_len,
                    "truncated WAV file: the '{}' chunk extends past the end of the file",
                    String::from_utf8_lossy(&id).escape_debug()
                );
                r.seek(SeekFrom::Current(skip as i64))?;
            }
        }
        pos = body + u64::from(len) + u64::from(len % 2);
    }
}

fn read_or<R: Read>(r: &mut R, buf: &mut [u8], eof_message: &'static str) -> Result<()> {
    match r.read_exact(buf) {
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => bail!(eof_message),
        other => Ok(other.context("cannot read WAV header")?),
    }
}

fn u16_at(b: &[u8], i: usize) -> u16 {
    u16::from_le_bytes([b[i], b[i + 1]])
}

fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

/// Parses the body of a `fmt ` chunk (at least 16 bytes).
fn parse_fmt(b: &[u8]) -> Result<WavFormat> {
    let mut tag = u16_at(b, 0);
    let channels = usize::from(u16_at(b, 2));
    let sample_rate = u32_at(b, 4);
    let block_align = usize::from(u16_at(b, 12));
    let bits = u16_at(b, 14);
    let mut valid_bits = bits;
    let mut channel_mask = None;
    if tag == WAVE_FORMAT_EXTENSIBLE {
        ensure!(
            b.len() >= 40 && u16_at(b, 16) >= 22,
            "invalid WAV file: WAVE_FORMAT_EXTENSIBLE header is too short"
        );
        valid_bits = u16_at(b, 18);
        channel_mask = Some(u32_at(b, 20));
        let guid = &b[24..40];
        if guid[2..] != GUID_TAIL {
            bail!("unsupported WAV encoding: unknown WAVE_FORMAT_EXTENSIBLE sub-format");
        }
        tag = u16_at(guid, 0);
        if valid_bits == 0 {
            valid_bits = bits;
        }
    }
    if tag != WAVE_FORMAT_PCM && tag != WAVE_FORMAT_IEEE_FLOAT {
        bail!(
            "unsupported WAV encoding: {}; only {SUPPORTED} is supported",
            tag_name(tag)
        );
    }
    ensure!(
        (1..=MAX_CHANNELS).contains(&channels),
        "{channels} channels are not supported (1 to {MAX_CHANNELS})"
    );
    let float = tag == WAVE_FORMAT_IEEE_FLOAT;
    let kind = if float { "float" } else { "integer" };
    ensure!(
        block_align.is_multiple_of(channels)
            && bits > 0
            && usize::from(bits) <= 8 * (block_align / channels),
        "invalid WAV file: {bits}-bit samples do not fit a block of {block_align} bytes for {channels} channels"
    );
    ensure!(
        valid_bits <= bits,
        "invalid WAV file: {valid_bits} valid bits in a {bits}-bit sample"
    );
    // Samples are left-justified in their container, so a 20-bit sample in
    // 3 bytes or a 24-bit sample in 4 reads correctly at container width.
    let sample = match (float, block_align / channels) {
        (false, 2) => SampleFormat::I16,
        (false, 3) => SampleFormat::I24,
        (false, 4) => SampleFormat::I32,
        (true, 4) if bits == 32 => SampleFormat::F32,
        (_, bytes) => bail!(
            "{}-bit {kind} PCM is not supported; only {SUPPORTED} is",
            if bits.is_multiple_of(8) {
                usize::from(bits)
            } else {
                8 * bytes
            }
        ),
    };
    Ok(WavFormat {
        sample,
        channels,
        sample_rate,
        channel_mask,
    })
}

/// The header of a file with `frames` frames of `format`, and the number
/// of zero bytes to append after the data (the RIFF pad byte).
///
/// `WAVE_FORMAT_EXTENSIBLE` is used where the format needs it (more than
/// two channels or more than 16 bits); float files get a `fact` chunk.
pub fn header_bytes(format: &WavFormat, frames: u64) -> Result<(Vec<u8>, usize)> {
    let data_len = frames
        .checked_mul(format.frame_bytes() as u64)
        .filter(|&n| n <= u64::from(u32::MAX))
        .context("the output would be larger than the 4 GiB limit of WAV files")?;
    let pad = (data_len % 2) as usize;
    let extensible = format.channels > 2 || format.sample.bits() > 16;
    let tag = if format.sample.is_float() {
        WAVE_FORMAT_IEEE_FLOAT
    } else {
        WAVE_FORMAT_PCM
    };
    let channels = format.channels as u16;
    let block_align = format.frame_bytes() as u16;

    let mut fmt = Vec::with_capacity(40);
    fmt.extend_from_slice(
        &(if extensible {
            WAVE_FORMAT_EXTENSIBLE
        } else {
            tag
        })
        .to_le_bytes(),
    );
    fmt.extend_from_slice(&channels.to_le_bytes());
    fmt.extend_from_slice(&format.sample_rate.to_le_bytes());
    fmt.extend_from_slice(&(format.sample_rate.wrapping_mul(u32::from(block_align))).to_le_bytes());
    fmt.extend_from_slice(&block_align.to_le_bytes());
    fmt.extend_from_slice(&format.sample.bits().to_le_bytes());
    if extensible {
        let mask = format.channel_mask.unwrap_or(match format.channels {
            1 => 0x4, // front centre
            2 => 0x3, // front left, front right
            _ => 0,   // no speaker assignment
        });
        fmt.extend_from_slice(&22u16.to_le_bytes());
        fmt.extend_from_slice(&format.sample.bits().to_le_bytes());
        fmt.extend_from_slice(&mask.to_le_bytes());
        fmt.extend_from_slice(&tag.to_le_bytes());
        fmt.extend_from_slice(&GUID_TAIL);
    }

    let mut out = Vec::with_capacity(80);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&[0; 4]); // patched below
    out.extend_from_slice(b"WAVE");
    out.extend_from_slice(b"fmt ");
    out.extend_from_slice(&(fmt.len() as u32).to_le_bytes());
    out.extend_from_slice(&fmt);
    if format.sample.is_float() {
        out.extend_from_slice(b"fact");
        out.extend_from_slice(&4u32.to_le_bytes());
        out.extend_from_slice(&(frames.min(u64::from(u32::MAX)) as u32).to_le_bytes());
    }
    out.extend_from_slice(b"data");
    out.extend_from_slice(&(data_len as u32).to_le_bytes());
    let riff_len = (out.len() as u64 - 8) + data_len + pad as u64;
    let riff_len = u32::try_from(riff_len)
        .ok()
        .context("the output would be larger than the 4 GiB limit of WAV files")?;
    out[4..8].copy_from_slice(&riff_len.to_le_bytes());
    Ok((out, pad))
}

/// A whole file in memory: the header of `format`, `samples` (interleaved)
/// encoded as [`encode`] does, and the pad byte if one is needed.
pub fn file_bytes(format: &WavFormat, samples: &[f32]) -> Result<Vec<u8>> {
    ensure!(
        format.channels > 0 && samples.len().is_multiple_of(format.channels),
        "{} samples do not fill {}-channel frames",
        samples.len(),
        format.channels
    );
    let (header, pad) = header_bytes(format, (samples.len() / format.channels) as u64)?;
    let mut out = header;
    let start = out.len();
    out.resize(start + samples.len() * format.sample.bytes() + pad, 0);
    encode(
        format.sample,
        samples,
        &mut out[start..start + samples.len() * format.sample.bytes()],
    );
    Ok(out)
}

const SCALE_16: f32 = 1.0 / 32_768.0;
const SCALE_24: f32 = 1.0 / 8_388_608.0;
const SCALE_32: f32 = 1.0 / 2_147_483_648.0;

/// Converts little-endian samples to f32 in `[-1, 1)` (integers) or as
/// stored (float). `out` must hold exactly `bytes.len() / format.bytes()` samples.
pub fn decode(format: SampleFormat, bytes: &[u8], out: &mut [f32]) {
    assert_eq!(bytes.len(), out.len() * format.bytes());
    match format {
        SampleFormat::I16 => {
            for (o, b) in out.iter_mut().zip(bytes.chunks_exact(2)) {
                *o = f32::from(i16::from_le_bytes([b[0], b[1]])) * SCALE_16;
            }
        }
        SampleFormat::I24 => {
            for (o, b) in out.iter_mut().zip(bytes.chunks_exact(3)) {
                // Shift into the top of an i32, then back down to sign-extend.
                *o = (i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8) as f32 * SCALE_24;
            }
        }
        SampleFormat::I32 => {
            for (o, b) in out.iter_mut().zip(bytes.chunks_exact(4)) {
                *o = i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f32 * SCALE_32;
            }
        }
        SampleFormat::F32 => {
            for (o, b) in out.iter_mut().zip(bytes.chunks_exact(4)) {
                *o = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            }
        }
    }
}

/// `x · scale`, rounded half away from zero and clamped to `[min, max]`.
///
/// `x` has at most 24 significant bits and `scale` is a power of two up to
/// 2^31, so `x · scale ± 0.5` is exact in f64 and truncation rounds
/// correctly, without a (slow, non-vectorisable) `round()` call. NaN gives 0.
#[inline(always)]
fn quantize(x: f32, scale: f64, min: i64, max: i64) -> i64 {
    let v = f64::from(x) * scale;
    ((v + 0.5f64.copysign(v)) as i64).clamp(min, max)
}

/// Converts f32 samples to little-endian bytes of `format`: integers are
/// rounded and clamped to full scale (never wrapped). `out` must hold
/// exactly `samples.len() * format.bytes()` bytes.
pub fn encode(format: SampleFormat, samples: &[f32], out: &mut [u8]) {
    assert_eq!(out.len(), samples.len() * format.bytes());
    match format {
        SampleFormat::I16 => {
            for (b, &x) in out.chunks_exact_mut(2).zip(samples) {
                let v = quantize(x, 32_768.0, i16::MIN.into(), i16::MAX.into()) as i16;
                b.copy_from_slice(&v.to_le_bytes());
            }
        }
        SampleFormat::I24 => {
            for (b, &x) in out.chunks_exact_mut(3).zip(samples) {
                let v = quantize(x, 8_388_608.0, -8_388_608, 8_388_607) as i32;
                b.copy_from_slice(&v.to_le_bytes()[..3]);
            }
        }
        SampleFormat::I32 => {
            for (b, &x) in out.chunks_exact_mut(4).zip(samples) {
                let v = quantize(x, 2_147_483_648.0, i32::MIN.into(), i32::MAX.into()) as i32;
                b.copy_from_slice(&v.to_le_bytes());
            }
        }
        SampleFormat::F32 => {
            for (b, &x) in out.chunks_exact_mut(4).zip(samples) {
                b.copy_from_slice(&x.to_le_bytes());
            }
        }
    }
}

/// The workspace's WAV-building test support (`semantic_eq_tests::wav_files`).
#[cfg(test)]
#[allow(dead_code)]
#[path = "../../tests/src/wav_files.rs"]
mod wav_files;

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;
    use wav_files::{fmt_chunk, riff};

    fn parse(bytes: &[u8]) -> Result<WavInfo> {
        read_header(&mut Cursor::new(bytes), bytes.len() as u64)
    }

    #[test]
    fn skips_odd_and_unknown_chunks() {
        let file = riff(&[
            (b"JUNK", vec![1, 2, 3]),
            (b"fmt ", fmt_chunk(1, 2, 44_100, 16, 4)),
            (b"LIST", vec![0; 9]),
            (b"data", vec![0; 8]),
        ]);
        let info = parse(&file).unwrap();
        assert_eq!(info.format.sample, SampleFormat::I16);
        assert_eq!(info.format.channels, 2);
        assert_eq!(info.format.sample_rate, 44_100);
        assert_eq!(info.frames, 2);
        assert_eq!(info.data_offset, file.len() as u64 - 8);
    }

    #[test]
    fn reads_its_own_headers() {
        for sample in [
            SampleFormat::I16,
            SampleFormat::I24,
            SampleFormat::I32,
            SampleFormat::F32,
        ] {
            for channels in 1..=8 {
                let format = WavFormat {
                    sample,
                    channels,
                    sample_rate: 96_000,
                    channel_mask: None,
                };
                let frames = 3;
                let (mut file, pad) = header_bytes(&format, frames).unwrap();
                let header_len = file.len() as u64;
                file.resize(file.len() + frames as usize * format.frame_bytes() + pad, 0);
                let riff_len = u32::from_le_bytes(file[4..8].try_into().unwrap());
                assert_eq!(riff_len as usize, file.len() - 8);
                let info = parse(&file).unwrap();
                assert_eq!(info.frames, frames);
                assert_eq!(info.data_offset, header_len);
                assert_eq!(info.format.sample, sample);
                assert_eq!(info.format.channels, channels);
                let extensible = channels > 2 || sample != SampleFormat::I16;
                assert_eq!(info.format.channel_mask.is_some(), extensible);
            }
        }
    }

    #[test]
    fn rejects_bad_headers() {
        let err = |bytes: &[u8]| format!("{:#}", parse(bytes).unwrap_err());
        assert!(err(b"").contains("not a WAV file"));
        assert!(err(b"ID3\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00").contains("not a WAV"));
        let data = (b"data", vec![0u8; 4]);
        for (fmt, want) in [
            (
                fmt_chunk(1, 1, 44_100, 8, 1),
                "8-bit integer PCM is not supported",
            ),
            (
                fmt_chunk(3, 1, 44_100, 64, 8),
                "64-bit float PCM is not supported",
            ),
            (fmt_chunk(6, 1, 8_000, 8, 1), "A-law"),
            (fmt_chunk(1, 0, 44_100, 16, 0), "0 channels"),
            (fmt_chunk(1, 9, 44_100, 16, 18), "9 channels"),
            (fmt_chunk(1, 2, 44_100, 16, 2), "do not fit"),
        ] {
            let e = err(&riff(&[(b"fmt ", fmt), data.clone()]));
            assert!(e.contains(want), "{e} (wanted {want})");
        }
        assert!(err(&riff(std::slice::from_ref(&data))).contains("before the fmt"));
        assert!(err(&riff(&[(b"fmt ", fmt_chunk(1, 1, 44_100, 16, 2))])).contains("no data chunk"));
        // Data chunk longer than the file.
        let mut file = riff(&[(b"fmt ", fmt_chunk(1, 1, 44_100, 16, 2)), data.clone()]);
        file.truncate(file.len() - 2);
        assert!(err(&file).contains("truncated"));
        // Data not a whole number of frames.
        let file = riff(&[
            (b"fmt ", fmt_chunk(1, 2, 44_100, 16, 4)),
            (b"data", vec![0; 6]),
        ]);
        assert!(err(&file).contains("multiple of the frame size"));
    }

    #[test]
    fn extensible_24_in_32_reads_as_32_bit() {
        let mut f = fmt_chunk(0xFFFE, 2, 48_000, 32, 8);
        f.extend_from_slice(&22u16.to_le_bytes());
        f.extend_from_slice(&24u16.to_le_bytes());
        f.extend_from_slice(&3u32.to_le_bytes());
        f.extend_from_slice(&1u16.to_le_bytes());
        f.extend_from_slice(&GUID_TAIL);
        let info = parse(&riff(&[(b"fmt ", f.clone()), (b"data", vec![0; 8])])).unwrap();
        assert_eq!(info.format.sample, SampleFormat::I32);
        assert_eq!(info.format.channel_mask, Some(3));
        // An unknown sub-format GUID is refused.
        f[26] = 0x77;
        assert!(parse(&riff(&[(b"fmt ", f), (b"data", vec![0; 8])])).is_err());
    }

    #[test]
    fn integer_conversion_rounds_and_clamps() {
        let x = [
            0.0f32,
            1.0,
            -1.0,
            2.0,
            -2.0,
            0.5 / 32_768.0,
            -0.5 / 32_768.0,
            1.4 / 32_768.0,
            f32::NAN,
        ];
        let mut b = vec![0u8; x.len() * 2];
        encode(SampleFormat::I16, &x, &mut b);
        let v: Vec<i16> = b
            .chunks_exact(2)
            .map(|c| i16::from_le_bytes([c[0], c[1]]))
            .collect();
        assert_eq!(v, [0, 32767, -32768, 32767, -32768, 1, -1, 1, 0]);

        let mut b = vec![0u8; x.len() * 3];
        encode(SampleFormat::I24, &x, &mut b);
        let mut back = vec![0f32; x.len()];
        decode(SampleFormat::I24, &b, &mut back);
        assert_eq!(back[1], 8_388_607.0 / 8_388_608.0);
        assert_eq!(back[2], -1.0);
        assert_eq!(back[4], -1.0);

        let mut b = vec![0u8; 2 * 4];
        encode(SampleFormat::I32, &[1.0, -1.0], &mut b);
        assert_eq!(&b[..4], &i32::MAX.to_le_bytes());
        assert_eq!(&b[4..], &i32::MIN.to_le_bytes());
    }

    #[test]
    fn integer_round_trip_is_exact() {
        let ints: Vec<i32> = (-8_388_608..8_388_608)
            .step_by(977)
            .chain([8_388_607])
            .collect();
        for format in [SampleFormat::I16, SampleFormat::I24] {
            let shift = 24 - format.bits() as u32;
            let mut bytes = Vec::new();
            for &i in &ints {
                bytes.extend_from_slice(&(i >> shift).to_le_bytes()[..format.bytes()]);
            }
            let mut f = vec![0f32; ints.len()];
            decode(format, &bytes, &mut f);
            let mut again = vec![0u8; bytes.len()];
            encode(format, &f, &mut again);
            assert_eq!(bytes, again, "{format}");
        }
    }
}
