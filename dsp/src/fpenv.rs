//! The floating-point mode the engine runs in. The bottom layer: imports
//! nothing from the crate.

/// Sets flush-to-zero and denormals-are-zero for the duration of a process
/// call and restores the caller's mode afterwards, so that the result is the
/// same whether or not the host already set them.
pub(crate) struct FpGuard {
    #[cfg(any(target_arch = "x86_64", target_arch = "x86"))]
    saved: u32,
}

impl FpGuard {
    #[inline]
    pub fn new() -> Self {
        #[cfg(any(target_arch = "x86_64", target_arch = "x86"))]
        {
            let saved = mxcsr::get();
            // FTZ (bit 15) and DAZ (bit 6).
            mxcsr::set(saved | 0x8040);
            Self { saved }
        }
        #[cfg(not(any(target_arch = "x86_64", target_arch = "x86")))]
        Self {}
    }
}

impl Drop for FpGuard {
    #[inline]
    fn drop(&mut self) {
        #[cfg(any(target_arch = "x86_64", target_arch = "x86"))]
        mxcsr::set(self.saved);
    }
}

#[cfg(any(target_arch = "x86_64", target_arch = "x86"))]
mod mxcsr {
    use std::arch::asm;

    #[inline]
    pub fn get() -> u32 {
        let mut v: u32 = 0;
        // SAFETY: stmxcsr writes exactly 4 bytes to its memory operand, here
        // a live, aligned, exclusively borrowed `u32`; it touches nothing
        // else (no stack, no flags).
        unsafe { asm!("stmxcsr [{}]", in(reg) &mut v, options(nostack, preserves_flags)) };
        v
    }

    #[inline]
    pub fn set(v: u32) {
        // SAFETY: ldmxcsr reads 4 bytes from a live `u32`. The only values
        // loaded are a mode read by `get` (the caller's, restored by
        // `FpGuard`'s drop) and that mode with FTZ and DAZ added, which
        // unmasks no exception and keeps the rounding mode; FTZ/DAZ change
        // only results that would be subnormal, within the guard's scope,
        // which is the engine's own processing.
        unsafe { asm!("ldmxcsr [{}]", in(reg) &v, options(nostack, preserves_flags, readonly)) };
    }
}
