// Compiles src/MycelLedger.sol with solc-js (the npm `solc` package at the version package.json
// pins) and writes its ABI and deployment bytecode where the Java code loads them. Standard
// JSON input with fixed settings, so the same sources give the same bytes on every machine.
const fs = require('fs');
const path = require('path');
const solc = require('solc');

const here = __dirname;
const source = 'src/MycelLedger.sol';
const input = {
  language: 'Solidity',
  sources: { [source]: { content: fs.readFileSync(path.join(here, source), 'utf8') } },
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: 'cancun',
    // No metadata hash: the bytecode then depends on the sources and settings only, not on file paths.
    metadata: { bytecodeHash: 'none' },
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
  },
};

function findImports(p) {
  for (const base of [here, path.join(here, 'node_modules')]) {
    const f = path.join(base, p);
    if (fs.existsSync(f)) return { contents: fs.readFileSync(f, 'utf8') };
  }
  return { error: 'not found: ' + p };
}

const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
const errors = (output.errors || []).filter((e) => e.severity === 'error');
for (const e of output.errors || []) console.error(e.formattedMessage);
if (errors.length) process.exit(1);
const contract = output.contracts[source].MycelLedger;
// The committed place, or the folder given (the test that the committed bytecode is what this makes).
const out = process.argv[2] ? path.resolve(process.argv[2]) : path.join(here, '..', 'src', 'main', 'resources', 'dev', 'mycel', 'ledger', 'evm');
fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(path.join(out, 'MycelLedger.abi.json'), JSON.stringify(contract.abi, null, 1) + '\n');
fs.writeFileSync(path.join(out, 'MycelLedger.bin'), contract.evm.bytecode.object + '\n');
console.log('solc ' + solc.version() + ': ' + contract.evm.bytecode.object.length / 2 + ' bytes of deployment code -> ' + out);
