//! One line of a benchmark's report: a figure, and what it is compared with.
//! Printed as a table row or (with `--json`) as one JSON object:
//! `name`, `value`, `unit`, and where compared `baseline`, `baseline_name`, `ratio`.

/// One line of the report.
pub struct Figure {
    name: String,
    value: f64,
    unit: &'static str,
    baseline: Option<(String, f64)>,
}

impl Figure {
    pub fn new(name: &str, value: f64, unit: &'static str) -> Figure {
        Figure {
            name: name.to_string(),
            value,
            unit,
            baseline: None,
        }
    }

    pub fn against(mut self, baseline_name: &str, baseline: f64) -> Figure {
        self.baseline = Some((baseline_name.to_string(), baseline));
        self
    }

    pub fn print(&self, json: bool) {
        let ratio = self.baseline.as_ref().map(|(_, baseline)| self.value / baseline);
        if json {
            let mut object = serde_json::json!({"name": self.name, "value": self.value, "unit": self.unit});
            if let (Some((name, baseline)), Some(ratio)) = (&self.baseline, ratio) {
                object["baseline"] = serde_json::json!(baseline);
                object["baseline_name"] = serde_json::json!(name);
                object["ratio"] = serde_json::json!(ratio);
            }
            println!("{object}");
        } else {
            let compared = match (&self.baseline, ratio) {
                (Some((name, baseline)), Some(ratio)) => {
                    format!("  ratio {ratio:.2} of {name} = {baseline:.1}")
                }
                _ => String::new(),
            };
            let digits = if self.value.abs() < 10.0 { 4 } else { 1 };
            println!(
                "{:<34} {:>14.digits$} {:<10}{compared}",
                self.name, self.value, self.unit
            );
        }
    }
}
