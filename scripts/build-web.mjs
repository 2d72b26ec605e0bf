// The build's last step: bundles the dashboard (web/) into dist/web/ with the compiled module.
import { writeDashboard } from '../dist/service/dashboard/bundle.js';

await writeDashboard();
