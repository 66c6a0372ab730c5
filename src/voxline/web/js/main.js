// Entry point: builds the App and exposes a small debug handle as window.voxline.

import { App } from "./app.js";

const app = new App();
window.voxline = { app, stats: app.stats };
app.loadScenarios();
