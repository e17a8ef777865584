// node_server.js: a gRPC health server on @grpc/grpc-js with the ready-made
// grpc-health-check service (from npm, see package.json).
// Usage: node node_server.js [--no-health] SERVICE=STATUS ...; prints its
// port, then reads lines "SERVICE=STATUS" from stdin to change a status.
'use strict';
const grpc = require('@grpc/grpc-js');
const { HealthImplementation } = require('grpc-health-check');
const readline = require('readline');

const args = process.argv.slice(2);
const statuses = {};
for (const a of args) {
  const i = a.indexOf('=');
  if (i >= 0) statuses[a.slice(0, i)] = a.slice(i + 1);
}
const health = new HealthImplementation(statuses);
const server = new grpc.Server();
if (!args.includes('--no-health')) health.addToServer(server);
server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(),
  (err, port) => {
    if (err) throw err;
    console.log(String(port));
    readline.createInterface({ input: process.stdin }).on('line', (l) => {
      const i = l.indexOf('=');
      health.setStatus(l.slice(0, i), l.slice(i + 1));
      console.log('ok');
    }).on('close', () => process.exit(0));
  });
