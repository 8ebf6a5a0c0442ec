//! Access to a block of audio, interleaved or planar, as every kernel reads
//! and writes it. The bottom layer: imports nothing from the crate.

/// Access to a block of audio, interleaved or planar.
pub(crate) trait Io {
    fn channels(&self) -> usize;
    fn get(&self, ch: usize, frame: usize) -> f32;
    fn set(&mut self, ch: usize, frame: usize, v: f32);
    /// Interleaved stereo, where a frame is 8 contiguous bytes.
    #[inline(always)]
    fn stereo_ptr(&mut self) -> Option<*mut f32> {
        None
    }
}

pub(crate) struct Interleaved<'a> {
    pub data: &'a mut [f32],
    pub channels: usize,
}

impl Io for Interleaved<'_> {
    #[inline(always)]
    fn channels(&self) -> usize {
        self.channels
    }
    #[inline(always)]
    fn get(&self, ch: usize, frame: usize) -> f32 {
        self.data[frame * self.channels + ch]
    }
    #[inline(always)]
    fn set(&mut self, ch: usize, frame: usize, v: f32) {
        self.data[frame * self.channels + ch] = v;
    }
    #[inline(always)]
    fn stereo_ptr(&mut self) -> Option<*mut f32> {
        (self.channels == 2).then_some(self.data.as_mut_ptr())
    }
}

pub(crate) struct Planar<'a, 'b> {
    pub data: &'a mut [&'b mut [f32]],
}

impl Io for Planar<'_, '_> {
    #[inline(always)]
    fn channels(&self) -> usize {
        self.data.len()
    }
    #[inline(always)]
    fn get(&self, ch: usize, frame: usize) -> f32 {
        self.data[ch][frame]
    }
    #[inline(always)]
    fn set(&mut self, ch: usize, frame: usize, v: f32) {
        self.data[ch][frame] = v;
    }
}
