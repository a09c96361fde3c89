// Products have no pictures in this catalogue: each gets a tile of its own, coloured by its
// category and lettered with its name, the same on every visit.

function hash(text: string): number {
  let value = 0;
  for (const char of text) value = (Math.imul(value, 31) + char.charCodeAt(0)) | 0;
  return Math.abs(value);
}

function initials(name: string): string {
  const words = name.split(/\s+/).filter((word) => /^[A-Za-z0-9]/.test(word));
  return words
    .slice(-2)
    .map((word) => word[0]!.toUpperCase())
    .join('');
}

export function ProductArt({ name, category, size = 'card' }: { name: string; category: string; size?: 'card' | 'large' }) {
  const hue = hash(category) % 360;
  const shift = (hash(name) % 50) - 25;
  const style = {
    background: `linear-gradient(135deg, hsl(${hue} 70% 62%), hsl(${(hue + 40 + shift + 360) % 360} 65% 45%))`,
  };
  return (
    <div className={`art art-${size}`} style={style} aria-hidden="true">
      <span>{initials(name)}</span>
    </div>
  );
}
