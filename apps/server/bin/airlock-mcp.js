#!/usr/bin/env node
import { mcpStdioMain } from "../dist/mcp/stdio.js";

await mcpStdioMain();
