// display.js - the public call display 叫号屏 of one fever clinic
// (display.html?clinic=ID): no sign-in, numbers only; see queue.js.
import { startDisplay } from './queue.js';

startDisplay(document.getElementById('display'));
