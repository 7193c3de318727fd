// A store from an older Hubsync is upgraded when the app opens it, which takes seconds at a
// million leads. Meanwhile every command waits, so the window says what goes on instead of
// showing screens that load without end; they load once the store is ready.

import { useEffect, useState, type ReactNode } from "react";

import type { StoreUpgrade } from "../bindings/StoreUpgrade";
import { durationWords } from "../sync/words";
import { onStoreUpgrade, storeUpgrade } from "./ipc";

/** A step under way, and when the upgrade began by this page's clock. */
type Upgrading = Extract<StoreUpgrade, { type: "step" }> & { startedAt: number };

/** How often the time shown goes on. */
const TICK_MS = 500;

/** Shows `children`, or how the store's upgrade goes while one does. */
export function StoreUpgradeGate({ children }: { children: ReactNode }) {
  const [upgrading, setUpgrading] = useState<Upgrading | null>(null);

  useEffect(() => {
    let current = true;
    let unlisten: (() => void) | undefined;
    // What the event says is newer than any answer to the question asked after listening.
    let heard = false;
    const show = (upgrade: StoreUpgrade | null) => {
      setUpgrading(upgrade?.type === "step" ? { ...upgrade, startedAt: Date.now() - upgrade.elapsed_ms } : null);
    };
    // Listening first, then asking: a page that loaded after the upgrade began misses no step.
    onStoreUpgrade((upgrade) => {
      if (!current) return;
      heard = true;
      show(upgrade);
    }).then(
      (stop) => {
        if (!current) {
          stop();
          return;
        }
        unlisten = stop;
        storeUpgrade().then(
          (upgrade) => {
            if (current && !heard) show(upgrade);
          },
          () => {
            // Outside the app, or no answer: the screens say so when used.
          },
        );
      },
      () => {
        // Outside the app there is no store to upgrade; the screens say so when used.
      },
    );
    return () => {
      current = false;
      unlisten?.();
    };
  }, []);

  return upgrading === null ? children : <UpgradeNotice upgrading={upgrading} />;
}

function UpgradeNotice({ upgrading }: { upgrading: Upgrading }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const tick = setInterval(() => {
      setNow(Date.now());
    }, TICK_MS);
    return () => {
      clearInterval(tick);
    };
  }, []);
  const seconds = Math.max(now - upgrading.startedAt, 0) / 1000;
  return (
    <main className="app store-upgrade" role="status" aria-busy="true" data-testid="store-upgrade">
      <h1>Upgrading your lead store…</h1>
      <p>
        Step {upgrading.step} of {upgrading.steps}: {upgrading.migration} · {durationWords(seconds)} so far
      </p>
      <p className="muted">
        This version of Hubsync keeps the store in a new form. With many leads it takes a few seconds; if the app
        closes meanwhile, the store stays as it was and is upgraded next time.
      </p>
    </main>
  );
}
