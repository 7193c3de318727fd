import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app/App";
import { applyTheme, rememberedTheme } from "./app/theme";
import "./styles.css";
import "./app/shell.css";

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root element");

// The theme before the first paint, so a dark window doesn't flash light.
applyTheme(rememberedTheme());

createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
