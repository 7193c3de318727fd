import { useEffect, useState } from "react";

/**
 * The page's clock in milliseconds, read when the component mounts and again every `everyMs`,
 * so words relative to it ("in 4 min") stay true while a screen stays open.
 */
export function useNow(everyMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => {
      setNow(Date.now());
    }, everyMs);
    return () => {
      clearInterval(timer);
    };
  }, [everyMs]);
  return now;
}
