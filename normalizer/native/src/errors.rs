//! Rejections raised as the Python `normalizer.errors.NormalizationError`, naming the native field.
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyType};

static ERROR_TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// A NormalizationError(reason, field=field) ready to be returned as `Err`.
pub fn rejected(py: Python<'_>, reason: impl Into<String>, field: Option<&str>) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let class = ERROR_TYPE.import(py, "normalizer.errors", "NormalizationError")?;
        let kwargs = PyDict::new(py);
        if let Some(field) = field {
            kwargs.set_item("field", field)?;
        }
        let error = class.call((reason.into(),), Some(&kwargs))?;
        Ok(PyErr::from_value(error))
    };
    build().unwrap_or_else(|err| err)
}

/// A rejection found without Python at hand (pure Rust code), made a NormalizationError at the boundary.
#[derive(Debug, PartialEq)]
pub struct Rejected {
    pub reason: String,
    pub field: Option<String>,
}

impl Rejected {
    pub fn new(reason: impl Into<String>, field: impl Into<String>) -> Self {
        Rejected { reason: reason.into(), field: Some(field.into()) }
    }

    pub fn into_py(self, py: Python<'_>) -> PyErr {
        rejected(py, self.reason, self.field.as_deref())
    }
}
