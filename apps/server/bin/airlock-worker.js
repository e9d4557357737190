#!/usr/bin/env node
import { workerMain } from "../dist/worker/main.js";

await workerMain();
