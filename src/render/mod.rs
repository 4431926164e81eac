//! Renderers: the same [`Report`] as tables (`table`, `wide`), JSON or YAML, written to
//! any `Write`. Nothing here decides anything about the cluster.

pub mod config;
pub mod table;

use std::io::{self, Write};

use crate::cli::OutputFormat;
use crate::report::Report;

/// Writes the report in the chosen format.
pub fn render(report: &Report, format: OutputFormat, color: bool, out: &mut dyn Write) -> io::Result<()> {
    match format {
        OutputFormat::Table => table::render(report, &table::Style { color, wide: false }, out),
        OutputFormat::Wide => table::render(report, &table::Style { color, wide: true }, out),
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, report).map_err(io::Error::other)?;
            writeln!(out)
        }
        OutputFormat::Yaml => {
            let text = serde_yaml::to_string(report).map_err(io::Error::other)?;
            out.write_all(text.as_bytes())
        }
    }
}
