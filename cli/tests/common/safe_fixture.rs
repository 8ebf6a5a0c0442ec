//! Small SAFE-layout fixtures built by the CLI tests themselves.

/// The fixtures' deterministic generator (the workspace's one RNG module).
pub use semantic_eq_model::rng::Lcg64 as Lcg;

/// One record in the SAFE layout (25 columns, no header), with `genre` and
/// `instrument` in their columns.
pub fn record_with(
    id: usize,
    descriptor: &str,
    genre: &str,
    instrument: &str,
    rng: &mut Lcg,
) -> String {
    let (ls, hs) = match descriptor.trim().to_lowercase().as_str() {
        "warm" => (rng.uniform(3.0, 9.0), rng.uniform(-9.0, -3.0)),
        "bright" => (rng.uniform(-9.0, -3.0), rng.uniform(3.0, 9.0)),
        _ => (rng.uniform(-3.0, 3.0), rng.uniform(-3.0, 3.0)),
    };
    let params = [
        ls,
        rng.uniform(60.0, 300.0),
        rng.uniform(-4.0, 4.0),
        rng.uniform(100.0, 500.0),
        rng.uniform(0.5, 2.0),
        rng.uniform(-4.0, 4.0),
        rng.uniform(500.0, 2000.0),
        rng.uniform(0.5, 2.0),
        rng.uniform(-4.0, 4.0),
        rng.uniform(2000.0, 8000.0),
        rng.uniform(0.5, 2.0),
        hs,
        rng.uniform(2000.0, 9000.0),
    ];
    let quoted = if descriptor.contains(' ') {
        format!("\"{descriptor}\"")
    } else {
        descriptor.to_string()
    };
    let values: Vec<String> = params.iter().map(|v| v.to_string()).collect();
    format!(
        "{id},{quoted},,2,2,{},{genre},{instrument},,,,,{:032x}\n",
        values.join(","),
        id * 7919
    )
}
