import type { PortalsOverview } from "../bindings/PortalsOverview";
import type { Loadable } from "../shared/loadable";
import { ActivePortal } from "./ActivePortal";
import { ConnectPortal } from "./ConnectForms";
import { PortalList } from "./PortalList";

/** The Connection screen: the active portal, the known portals, and connecting a new one. */
export function ConnectionScreen({
  overview,
  onChanged,
}: {
  overview: Loadable<PortalsOverview>;
  onChanged: () => void;
}) {
  return (
    <div className="screen">
      {overview.status === "ready" && (
        <>
          <ActivePortal portal={overview.value.active} onChanged={onChanged} />
          <PortalList portals={overview.value.portals} onChanged={onChanged} />
        </>
      )}
      <ConnectPortal onChanged={onChanged} />
    </div>
  );
}
