//! WAV files built byte by byte, for tests of the WAV reader: odd chunk
//! layouts, broken headers, formats we refuse.
//!
//! Plain `std`, so that the CLI's tests (`cli/tests/*.rs` and the unit tests
//! of `cli/src/wav.rs`), which cannot depend on this crate, include this one
//! file by path; the tests here use it as `semantic_eq_tests::wav_files`.
//! Sizes are written with wrapping arithmetic, so a test can build a header
//! that lies.

/// A RIFF/WAVE file of the given chunks, in order (pad bytes added after
/// odd-sized chunks, sizes correct).
pub fn riff(chunks: &[(&[u8; 4], Vec<u8>)]) -> Vec<u8> {
    let mut body = b"WAVE".to_vec();
    for (id, data) in chunks {
        body.extend_from_slice(*id);
        body.extend_from_slice(&(data.len() as u32).to_le_bytes());
        body.extend_from_slice(data);
        if data.len() % 2 == 1 {
            body.push(0);
        }
    }
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&body);
    out
}

/// The 16 bytes of a plain `fmt ` chunk body with the given block align
/// (the byte rate follows from it).
pub fn fmt_chunk(tag: u16, channels: u16, rate: u32, bits: u16, block_align: u16) -> Vec<u8> {
    let mut f = Vec::with_capacity(16);
    f.extend_from_slice(&tag.to_le_bytes());
    f.extend_from_slice(&channels.to_le_bytes());
    f.extend_from_slice(&rate.to_le_bytes());
    f.extend_from_slice(&rate.wrapping_mul(u32::from(block_align)).to_le_bytes());
    f.extend_from_slice(&block_align.to_le_bytes());
    f.extend_from_slice(&bits.to_le_bytes());
    f
}

/// [`fmt_chunk`] with the block align a correct header has: `channels` ×
/// whole bytes per sample.
pub fn fmt_body(tag: u16, channels: u16, rate: u32, bits: u16) -> Vec<u8> {
    fmt_chunk(
        tag,
        channels,
        rate,
        bits,
        channels.wrapping_mul(bits.div_ceil(8)),
    )
}

/// A `WAVE_FORMAT_EXTENSIBLE` fmt body (40 bytes) for integer PCM, with no
/// speaker mask.
pub fn extensible_body(channels: u16, rate: u32, bits: u16) -> Vec<u8> {
    let mut b = fmt_body(0xFFFE, channels, rate, bits);
    b.extend_from_slice(&22u16.to_le_bytes());
    b.extend_from_slice(&bits.to_le_bytes());
    b.extend_from_slice(&0u32.to_le_bytes());
    // KSDATAFORMAT_SUBTYPE_PCM.
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&[
        0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71,
    ]);
    b
}
