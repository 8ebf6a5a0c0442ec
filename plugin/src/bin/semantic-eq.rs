//! The `semantic-eq` command-line tool; see [`semantic_eq::cli`].

fn main() -> std::process::ExitCode {
    semantic_eq::cli::main()
}
