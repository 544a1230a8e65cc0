// Run tests/pyodide/driver.py inside the Pyodide runtime xlwings Lite uses, under Node, offline.
//
//   node run.mjs JOB_DIR
//
// JOB_DIR holds job.json (written by tests/test_pyodide.py): the wheels to unpack into
// Pyodide's site-packages (micropip would need the network) and the driver's input. It is
// mounted at /job; the driver writes /job/result.json. Python's output goes to stderr.
import { loadPyodide } from "pyodide";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

const jobDir = path.resolve(process.argv[2]);
const here = path.dirname(fileURLToPath(import.meta.url));
const pyodide = await loadPyodide({
  // The runtime and its standard library come from node_modules/pyodide: nothing is fetched.
  indexURL: path.join(here, "node_modules", "pyodide"),
  env: { XLWINGS_LICENSE_KEY: process.env.XLWINGS_LICENSE_KEY ?? "", HOME: "/home/pyodide" },
  stdout: (line) => process.stderr.write(`[pyodide] ${line}\n`),
  stderr: (line) => process.stderr.write(`[pyodide] ${line}\n`),
});
pyodide.mountNodeFS("/job", jobDir);
const driver = readFileSync(path.join(here, "driver.py"), "utf8");
await pyodide.runPythonAsync(
  `${driver}\nmain("/job/job.json", "/job/result.json")\n`,
  { filename: "driver.py" },
);
