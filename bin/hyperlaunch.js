#!/usr/bin/env node
// Thin launcher: the CLI lives in the compiled library (npm ci runs the build).
import { main } from '../dist/src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
