//! Block streaming of samples with reading + decoding and encoding + writing
//! on their own threads, so that file I/O and format conversion overlap the
//! processing instead of adding to it.

use super::wav::{self, SampleFormat};
use std::io::{self, Read, Write};
use std::sync::mpsc::{channel, sync_channel};
use std::thread;

/// Blocks in flight between two stages.
const DEPTH: usize = 2;

/// Which side of the stream failed.
#[derive(Debug)]
pub enum StreamError {
    Read(io::Error),
    Write(io::Error),
    /// `process` asked to stop.
    Stopped,
}

/// Reads `samples` samples of format `from` from `input` in blocks of
/// `block` samples (the last may be shorter), lets `process` change each
/// block in place, and writes the blocks to `output` as format `to`, in
/// order. `process` returns `false` to stop early ([`StreamError::Stopped`]).
///
/// An input that ends early is a [`StreamError::Read`] of kind
/// [`io::ErrorKind::UnexpectedEof`].
pub fn stream<R, W, F>(
    input: &mut R,
    from: SampleFormat,
    output: &mut W,
    to: SampleFormat,
    samples: u64,
    block: usize,
    mut process: F,
) -> Result<(), StreamError>
where
    R: Read + Send,
    W: Write + Send,
    F: FnMut(&mut [f32]) -> bool,
{
    assert!(block > 0);
    thread::scope(|s| {
        // Sample buffers cycle reader -> main -> writer -> reader.
        let (full_tx, full_rx) = sync_channel::<io::Result<Vec<f32>>>(DEPTH);
        let (done_tx, done_rx) = sync_channel::<Vec<f32>>(DEPTH);
        let (spare_tx, spare_rx) = channel::<Vec<f32>>();

        s.spawn(move || {
            let mut bytes = vec![0u8; block * from.bytes()];
            let mut left = samples;
            while left > 0 {
                let n = left.min(block as u64) as usize;
                let bytes = &mut bytes[..n * from.bytes()];
                let read = input.read_exact(bytes).map(|()| {
                    let mut buf = spare_rx.try_recv().unwrap_or_default();
                    buf.resize(n, 0.0);
                    wav::decode(from, bytes, &mut buf);
                    buf
                });
                let failed = read.is_err();
                if full_tx.send(read).is_err() || failed {
                    return;
                }
                left -= n as u64;
            }
        });

        let writer = s.spawn(move || -> io::Result<()> {
            let mut bytes = vec![0u8; block * to.bytes()];
            for buf in done_rx {
                let bytes = &mut bytes[..buf.len() * to.bytes()];
                wav::encode(to, &buf, bytes);
                output.write_all(bytes)?;
                // The reader may be finished already; then the buffer is just freed.
                let _ = spare_tx.send(buf);
            }
            output.flush()
        });

        let mut result = Ok(());
        for msg in full_rx {
            let mut buf = match msg {
                Ok(buf) => buf,
                Err(e) => {
                    result = Err(StreamError::Read(e));
                    break;
                }
            };
            if !process(&mut buf) {
                result = Err(StreamError::Stopped);
                break;
            }
            if done_tx.send(buf).is_err() {
                // The writer failed; its error is collected below.
                break;
            }
        }
        // Dropping the channel ends (the loop consumed `full_rx`) lets both
        // threads finish.
        drop(done_tx);
        let written = writer
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the writer thread panicked")));
        result?;
        written.map_err(StreamError::Write)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn i16_bytes(v: impl Iterator<Item = i16>) -> Vec<u8> {
        v.flat_map(i16::to_le_bytes).collect()
    }

    #[test]
    fn streams_in_order_with_a_short_last_block() {
        let data = i16_bytes((0..10_007).map(|i| (i * 3 - 15_000) as i16));
        let mut out = Vec::new();
        let mut sizes = Vec::new();
        stream(
            &mut &data[..],
            SampleFormat::I16,
            &mut out,
            SampleFormat::I16,
            10_007,
            1000,
            |b| {
                sizes.push(b.len());
                b.iter_mut().for_each(|x| *x = -*x);
                true
            },
        )
        .unwrap();
        assert_eq!(
            out,
            i16_bytes((0..10_007).map(|i| -(i * 3 - 15_000) as i16))
        );
        assert_eq!(sizes.len(), 11);
        assert_eq!(sizes[10], 7);
    }

    #[test]
    fn converts_formats() {
        let data = i16_bytes([16_384i16, -32_768].into_iter());
        let mut out = Vec::new();
        stream(
            &mut &data[..],
            SampleFormat::I16,
            &mut out,
            SampleFormat::F32,
            2,
            64,
            |_| true,
        )
        .unwrap();
        assert_eq!(
            out,
            [0.5f32, -1.0]
                .iter()
                .flat_map(|x| x.to_le_bytes())
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn short_input_is_a_read_error() {
        let data = vec![0u8; 2500 * 2];
        let mut out = Vec::new();
        let r = stream(
            &mut &data[..],
            SampleFormat::I16,
            &mut out,
            SampleFormat::I16,
            4000,
            1000,
            |_| true,
        );
        match r {
            Err(StreamError::Read(e)) => assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof),
            other => panic!("{other:?}"),
        }
        assert_eq!(out.len(), 2000 * 2);
    }

    #[test]
    fn write_errors_are_reported() {
        struct Full(usize);
        impl Write for Full {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                if self.0 == 0 {
                    return Err(io::Error::other("disk full"));
                }
                let n = buf.len().min(self.0);
                self.0 -= n;
                Ok(n)
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let data = vec![0u8; 100_000 * 4];
        let r = stream(
            &mut &data[..],
            SampleFormat::F32,
            &mut Full(5000),
            SampleFormat::F32,
            100_000,
            1000,
            |_| true,
        );
        assert!(matches!(r, Err(StreamError::Write(e)) if e.to_string() == "disk full"));
    }
}
