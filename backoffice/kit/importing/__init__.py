"""The bulk import engine: parse cells, read CSV/XLSX, report, upsert, keep uploads.

Modules, from the bottom: parsing (one cell), reading (a file into rows), report (what an
import found), engine (the generic Importer), storage (uploads between preview and
confirm), resources (import-export resources that escape formulas), admin (the import and
export pages). Imports no app of the project (docs/architecture.md#the-import-engine).
"""
