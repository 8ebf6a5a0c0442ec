//! Which implementation of the filter loop runs, and the proof that this
//! CPU can run it. The bottom layer: imports nothing from the crate.
//!
//! The SIMD kernels are compiled with `#[target_feature]` for instructions
//! an x86-64 CPU may lack, and running them on one that lacks them is
//! undefined behaviour. So every SIMD entry point takes a [`Checked`], which
//! only the run-time check ([`Kernel::checked`], [`Checked::detect`]) makes:
//! holding one is the proof. SSE2 is part of the x86-64 baseline, so the
//! SSE2 kernel is always available there.

/// Which implementation of the filter loop runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// Portable Rust, one channel at a time.
    Scalar,
    /// SSE2, two channels per register (every x86-64 CPU).
    Sse2,
    /// AVX2 + FMA (fused multiply-add), where the CPU has it.
    Fma,
}

impl Kernel {
    /// The fastest implementation this CPU supports.
    pub fn detect() -> Self {
        Self::available().last().copied().unwrap_or(Self::Scalar)
    }

    /// Every implementation this CPU can run, slowest first.
    pub fn available() -> Vec<Self> {
        #[allow(unused_mut)]
        let mut v = vec![Self::Scalar];
        #[cfg(target_arch = "x86_64")]
        {
            v.push(Self::Sse2);
            if std::arch::is_x86_feature_detected!("fma")
                && std::arch::is_x86_feature_detected!("avx2")
            {
                v.push(Self::Fma);
            }
        }
        v
    }

    /// Whether this CPU can run it.
    pub fn is_available(self) -> bool {
        Self::available().contains(&self)
    }

    /// This kernel with the proof that this CPU runs it, if it does (the
    /// check is runtime detection; it allocates, so call it at
    /// construction, not per block).
    pub fn checked(self) -> Option<Checked> {
        self.is_available().then_some(Checked(self))
    }
}

/// A [`Kernel`] that runtime detection found this CPU can run. Only
/// [`Kernel::checked`] (and [`Checked::SCALAR`], which needs nothing) make
/// one, so code that holds a `Checked` may enter that kernel's
/// `#[target_feature]` functions: the token is the proof the features are
/// there. Every SIMD entry point takes one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checked(Kernel);

impl Checked {
    /// The portable kernel, which every CPU runs.
    pub const SCALAR: Self = Self(Kernel::Scalar);

    /// The fastest kernel this CPU runs ([`Kernel::detect`]).
    pub fn detect() -> Self {
        Self(Kernel::detect())
    }

    /// Which kernel it is.
    pub fn kernel(self) -> Kernel {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kernel either passes the check or is refused, and a choice the
    /// CPU lacks never yields a token.
    #[test]
    fn tokens_follow_detection() {
        for k in [Kernel::Scalar, Kernel::Sse2, Kernel::Fma] {
            match k.checked() {
                Some(c) => assert_eq!(c.kernel(), k),
                None => assert!(!Kernel::available().contains(&k)),
            }
        }
        assert_eq!(Kernel::available()[0], Kernel::Scalar);
        assert_eq!(Checked::detect().kernel(), Kernel::detect());
        assert_eq!(Checked::SCALAR.kernel(), Kernel::Scalar);
        #[cfg(target_arch = "x86_64")]
        assert!(
            Kernel::Sse2.checked().is_some(),
            "SSE2 is x86-64's baseline"
        );
    }
}
