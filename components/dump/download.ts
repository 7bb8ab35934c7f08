/**
 * Saves an exported file from an extension page: a Blob URL clicked through a temporary `<a download>` (no
 * `downloads` permission needed). The URL is revoked a while later: revoking at once can cancel the download in
 * some browsers (Firefox starts reading the Blob after the click returns).
 */
export function downloadFile(fileName: string, mimeType: string, data: Uint8Array, doc: Document = document): void {
  const url = URL.createObjectURL(new Blob([data as BlobPart], { type: mimeType }));
  const a = doc.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  a.style.display = 'none';
  doc.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
