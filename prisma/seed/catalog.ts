// What the shop sells. Faker's commerce names mix any adjective with any noun ("Rustic Granite
// Keyboard") regardless of category; these lists keep each product inside its category, at about
// the price such a thing really costs.

export interface CategorySpec {
  name: string;
  /** Prefix of the category's SKUs: ELEC-000123. */
  skuPrefix: string;
  /** How many of the catalogue's products belong here (the shares add up to 1). */
  share: number;
  /** What is sold, with its typical price in whole dollars. */
  nouns: readonly (readonly [noun: string, typicalDollars: number])[];
  adjectives: readonly string[];
  features: readonly string[];
}

export const CATEGORIES: readonly CategorySpec[] = [
  {
    name: 'Electronics',
    skuPrefix: 'ELEC',
    share: 0.18,
    nouns: [
      ['Wireless Headphones', 149],
      ['Bluetooth Speaker', 79],
      ['USB-C Charger', 29],
      ['Smartwatch', 299],
      ['Mechanical Keyboard', 119],
      ['4K Monitor', 399],
      ['Webcam', 69],
      ['Portable SSD', 129],
      ['Noise-Cancelling Earbuds', 199],
      ['Laptop Stand', 45],
      ['E-Reader', 139],
      ['Action Camera', 349],
      ['Wireless Mouse', 39],
      ['Power Bank', 49],
      ['Streaming Stick', 49],
      ['Gaming Laptop', 1499],
    ],
    adjectives: ['Compact', 'Pro', 'Ultra', 'Slim', 'Max', 'Studio', 'Next-Gen', 'Essential'],
    features: [
      'a 30-hour battery', 'fast USB-C charging', 'Bluetooth 5.3', 'a two-year warranty', 'an aluminium body',
      'low-latency mode', 'automatic firmware updates', 'a travel case',
    ],
  },
  {
    name: 'Books',
    skuPrefix: 'BOOK',
    share: 0.12,
    nouns: [
      ['Cookbook', 29],
      ['Mystery Novel', 16],
      ['Science Fiction Novel', 18],
      ['Biography', 27],
      ['Travel Guide', 22],
      ['Poetry Collection', 15],
      ['History of Rome', 35],
      ['Field Guide to Birds', 24],
      ['Children\'s Picture Book', 12],
      ['Programming Handbook', 49],
    ],
    adjectives: ['Illustrated', 'Bestselling', 'Hardcover', 'Paperback', 'Collector\'s', 'Annotated'],
    features: [
      'a new foreword', 'full-colour photographs', 'an index and glossary', '320 pages', 'a ribbon bookmark',
      'acid-free paper',
    ],
  },
  {
    name: 'Home & Kitchen',
    skuPrefix: 'HOME',
    share: 0.14,
    nouns: [
      ['Chef\'s Knife', 89],
      ['Cast Iron Skillet', 45],
      ['Espresso Machine', 499],
      ['French Press', 35],
      ['Stand Mixer', 379],
      ['Dutch Oven', 119],
      ['Cutting Board', 39],
      ['Linen Duvet Cover', 169],
      ['Table Lamp', 79],
      ['Throw Blanket', 59],
      ['Knife Block', 69],
      ['Air Fryer', 129],
    ],
    adjectives: ['Classic', 'Handcrafted', 'Nordic', 'Everyday', 'Signature', 'Artisan'],
    features: [
      'a dishwasher-safe finish', 'a lifetime guarantee', 'ergonomic handles', 'an even heat spread',
      'sustainably sourced materials', 'a non-slip base',
    ],
  },
  {
    name: 'Clothing',
    skuPrefix: 'CLTH',
    share: 0.14,
    nouns: [
      ['Merino Sweater', 99],
      ['Denim Jacket', 89],
      ['Rain Jacket', 149],
      ['Chino Trousers', 69],
      ['Oxford Shirt', 59],
      ['Hoodie', 55],
      ['Wool Scarf', 45],
      ['Leather Belt', 49],
      ['Running Shorts', 35],
      ['Linen Shirt', 65],
      ['Puffer Vest', 119],
      ['Canvas Sneakers', 75],
    ],
    adjectives: ['Classic', 'Heritage', 'Everyday', 'Lightweight', 'Essential', 'Urban'],
    features: [
      'reinforced seams', 'a water-repellent finish', 'breathable fabric', 'machine-washable fabric',
      'deep side pockets', 'a tailored cut',
    ],
  },
  {
    name: 'Sports & Outdoors',
    skuPrefix: 'SPRT',
    share: 0.11,
    nouns: [
      ['Yoga Mat', 39],
      ['Trail Running Shoes', 139],
      ['Camping Tent', 299],
      ['Sleeping Bag', 179],
      ['Water Bottle', 25],
      ['Hiking Backpack', 149],
      ['Road Bike Helmet', 99],
      ['Adjustable Dumbbells', 249],
      ['Climbing Harness', 69],
      ['Trekking Poles', 89],
    ],
    adjectives: ['Performance', 'All-Weather', 'Pro', 'Compact', 'Expedition', 'Everyday'],
    features: [
      'a waterproof shell', 'a carry bag', 'reflective details', 'a non-slip grip', 'a three-season rating',
      'recycled materials',
    ],
  },
  {
    name: 'Toys & Games',
    skuPrefix: 'TOYS',
    share: 0.09,
    nouns: [
      ['Building Blocks Set', 59],
      ['Board Game', 39],
      ['Jigsaw Puzzle', 19],
      ['Remote Control Car', 69],
      ['Plush Bear', 24],
      ['Card Game', 14],
      ['Wooden Train Set', 89],
      ['Science Kit', 34],
      ['Dollhouse', 149],
      ['Kite', 19],
    ],
    adjectives: ['Family', 'Deluxe', 'Classic', 'Junior', 'Travel', 'Collector\'s'],
    features: [
      'non-toxic paints', 'pieces for 2-6 players', 'a storage box', 'rechargeable batteries',
      'step-by-step instructions', 'a 1000-piece count',
    ],
  },
  {
    name: 'Beauty & Personal Care',
    skuPrefix: 'BEAU',
    share: 0.09,
    nouns: [
      ['Face Moisturiser', 29],
      ['Vitamin C Serum', 35],
      ['Shampoo Bar', 12],
      ['Electric Toothbrush', 89],
      ['Beard Oil', 19],
      ['Lip Balm', 4],
      ['Sunscreen SPF 50', 18],
      ['Hair Dryer', 129],
      ['Body Wash', 9],
      ['Hand Cream', 11],
    ],
    adjectives: ['Gentle', 'Daily', 'Travel-Size', 'Essential', 'Sensitive', 'Pro'],
    features: [
      'dermatologist-tested ingredients', 'recyclable packaging', 'no parabens', 'a refillable bottle',
      'a two-minute timer', 'natural oils',
    ],
  },
  {
    name: 'Garden & Tools',
    skuPrefix: 'GRDN',
    share: 0.07,
    nouns: [
      ['Cordless Drill', 149],
      ['Pruning Shears', 29],
      ['Garden Hose', 45],
      ['Socket Set', 79],
      ['Raised Garden Bed', 129],
      ['Leaf Blower', 179],
      ['Watering Can', 25],
      ['Tool Box', 59],
      ['Lawn Mower', 449],
      ['Seed Starter Kit', 24],
    ],
    adjectives: ['Heavy-Duty', 'Ergonomic', 'Compact', 'Professional', 'Weatherproof', 'Essential'],
    features: [
      'a brushless motor', 'two 18V batteries', 'rust-resistant steel', 'a soft-grip handle',
      'a five-year warranty', 'a wall mount',
    ],
  },
  {
    name: 'Office Supplies',
    skuPrefix: 'OFFC',
    share: 0.06,
    nouns: [
      ['Notebook', 14],
      ['Fountain Pen', 49],
      ['Desk Organiser', 29],
      ['Ergonomic Office Chair', 399],
      ['Standing Desk Mat', 59],
      ['Label Maker', 49],
      ['Whiteboard', 79],
      ['Paper Shredder', 119],
      ['Desk Lamp', 45],
      ['Planner', 24],
    ],
    adjectives: ['Executive', 'Recycled', 'Minimalist', 'Premium', 'Everyday', 'Classic'],
    features: [
      'FSC-certified paper', 'an adjustable height', 'a refillable cartridge', 'a soft-touch cover',
      'cable management', 'a lay-flat binding',
    ],
  },
];
