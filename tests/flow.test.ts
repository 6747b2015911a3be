// Runs the shared flow-table case suite (tests/flow.cases.ts) on the Wasm core and on the twin.
import { flowCases } from "./flow.cases.js";
import { twinImpl, wasmImpl } from "./helpers/flow.js";

flowCases(wasmImpl);
flowCases(twinImpl);
