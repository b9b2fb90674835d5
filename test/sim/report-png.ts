import { pathToFileURL } from 'node:url';
import { launchChromium } from '../support/chromium';

/**
 * report.html as a PNG (the whole page: tables and charts), rendered by headless chromium: the
 * picture of a run that the README shows. The page is self-contained (inline SVG, no script, no
 * network), so it renders from the file as it is.
 */
export async function renderReportPng(htmlPath: string, pngPath: string, width = 1000): Promise<void> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width, height: 800 } });
    await page.goto(pathToFileURL(htmlPath).href, { waitUntil: 'load' });
    await page.screenshot({ path: pngPath, fullPage: true });
  } finally {
    await browser.close();
  }
}
