//! The `semantic-eq` command-line tool; see [`semantic_eq_cli`].

// Training makes thousands of multi-megabyte temporaries per second; glibc
// malloc returns them to the OS and faults them back every step (about 2.7×
// slower, see the shared training notes). Only the training build uses it.
#[cfg(feature = "train")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    #[cfg(feature = "train")]
    if std::env::var_os("RAYON_NUM_THREADS").is_none() {
        // candle's CPU kernels size their thread pool from this variable;
        // left unset they pay for threads they do not need. Two threads (or
        // one on a single core) also keep training deterministic across
        // machines with more cores.
        let n = std::thread::available_parallelism().map_or(1, |n| n.get().min(2));
        // SAFETY: no other thread exists yet, so nothing reads the
        // environment concurrently.
        unsafe { std::env::set_var("RAYON_NUM_THREADS", n.to_string()) };
    }
    semantic_eq_cli::main()
}
