import { runService } from "@kruispunt/service-kit";
import { buildApp } from "./app";

await runService("audit", buildApp);
