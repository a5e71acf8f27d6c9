pub fn run(_args: crate::cli::BenchLogArgs) -> anyhow::Result<std::process::ExitCode> {
    todo!()
}
