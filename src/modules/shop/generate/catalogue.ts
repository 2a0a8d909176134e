/**
 * What the generated shops sell: the category tree, and for each category without children the
 * kinds of product found there, with their options, prices and weights.
 */

export interface CategoryNode {
  name: string;
  slug: string;
  /** An icon name the clients know. */
  icon: string;
  children?: readonly CategoryNode[];
}

export const CATEGORY_TREE: readonly CategoryNode[] = [
  {
    name: 'Electronics',
    slug: 'electronics',
    icon: 'devices',
    children: [
      { name: 'Phones', slug: 'phones', icon: 'smartphone' },
      { name: 'Laptops', slug: 'laptops', icon: 'laptop' },
      { name: 'Audio', slug: 'audio', icon: 'headphones' },
    ],
  },
  {
    name: 'Fashion',
    slug: 'fashion',
    icon: 'shirt',
    children: [
      { name: 'Men', slug: 'men', icon: 'user' },
      { name: 'Women', slug: 'women', icon: 'user-round' },
      { name: 'Shoes', slug: 'shoes', icon: 'footprints' },
    ],
  },
  {
    name: 'Home',
    slug: 'home',
    icon: 'house',
    children: [
      { name: 'Kitchen', slug: 'kitchen', icon: 'cooking-pot' },
      { name: 'Furniture', slug: 'furniture', icon: 'sofa' },
    ],
  },
  {
    name: 'Beauty',
    slug: 'beauty',
    icon: 'sparkles',
    children: [
      { name: 'Skincare', slug: 'skincare', icon: 'droplet' },
      { name: 'Fragrance', slug: 'fragrance', icon: 'spray-can' },
    ],
  },
  {
    name: 'Sports',
    slug: 'sports',
    icon: 'dumbbell',
    children: [
      { name: 'Fitness', slug: 'fitness', icon: 'dumbbell' },
      { name: 'Cycling', slug: 'cycling', icon: 'bike' },
    ],
  },
  { name: 'Books', slug: 'books', icon: 'book-open' },
];

/** An option a kind of product comes in; `priceStep` multiplies the price per later value. */
export interface OptionSpec {
  name: string;
  values: readonly string[];
  priceStep?: number;
}

export interface ProductKind {
  /** Title parts: one of each list, in order, the empty string left out. */
  brands: readonly string[];
  qualifiers: readonly string[];
  noun: string;
  options: readonly OptionSpec[];
  /** The price of the first option values, in US dollars. */
  usd: readonly [number, number];
  weightG: readonly [number, number];
  /** Sentences a seller would write about it. */
  details: readonly string[];
}

const COLORS = ['Black', 'White', 'Blue', 'Green', 'Red', 'Grey'];
const CLOTHES = ['XS', 'S', 'M', 'L', 'XL', 'XXL'];
const SHOE_SIZES = ['37', '38', '39', '40', '41', '42', '43', '44', '45'];

export const KINDS: Readonly<Record<string, readonly ProductKind[]>> = {
  phones: [
    {
      brands: [
        'Samsung Galaxy A15',
        'Tecno Spark 20',
        'Infinix Hot 40',
        'Xiaomi Redmi 13',
        'Nokia G42',
      ],
      qualifiers: ['', 'Dual SIM', '5G'],
      noun: 'Smartphone',
      options: [
        { name: 'Storage', values: ['64 GB', '128 GB', '256 GB'], priceStep: 1.2 },
        { name: 'Color', values: ['Black', 'Blue', 'Green', 'Silver'] },
      ],
      usd: [110, 320],
      weightG: [170, 210],
      details: [
        'Unlocked for every network, with a two-year warranty.',
        'A 6.6-inch screen and a battery that lasts two days.',
        'Comes with a charger, a clear case and a screen protector fitted.',
      ],
    },
    {
      brands: ['Anker', 'Oraimo', 'Baseus'],
      qualifiers: ['20W', '65W'],
      noun: 'Fast Charger',
      options: [{ name: 'Plug', values: ['Type C', 'Type G'] }],
      usd: [12, 35],
      weightG: [60, 140],
      details: ['Charges a phone to half in 30 minutes.', 'Safe for every USB-C phone and tablet.'],
    },
  ],
  laptops: [
    {
      brands: [
        'Lenovo IdeaPad 3',
        'HP 250 G9',
        'Dell Inspiron 15',
        'Asus Vivobook 14',
        'Acer Aspire 5',
      ],
      qualifiers: ['', 'Core i5', 'Ryzen 5'],
      noun: 'Laptop',
      options: [{ name: 'Memory', values: ['8 GB', '16 GB', '32 GB'], priceStep: 1.18 }],
      usd: [420, 900],
      weightG: [1_400, 2_100],
      details: [
        'A full HD screen, a backlit keyboard and a fast SSD.',
        'Windows installed and activated; ready in minutes.',
        'Light enough for a daily commute, with a battery for a working day.',
      ],
    },
    {
      brands: ['Logitech', 'Rapoo', 'HP'],
      qualifiers: ['Wireless', 'Silent'],
      noun: 'Mouse',
      options: [{ name: 'Color', values: COLORS }],
      usd: [9, 30],
      weightG: [60, 110],
      details: ['A year on one battery.', 'Quiet clicks, for shared offices.'],
    },
  ],
  audio: [
    {
      brands: ['JBL Tune 520', 'Sony WH-CH520', 'Oraimo BoomPop', 'Soundcore Q20i'],
      qualifiers: ['', 'Bluetooth', 'Noise Cancelling'],
      noun: 'Headphones',
      options: [{ name: 'Color', values: COLORS }],
      usd: [25, 120],
      weightG: [150, 260],
      details: [
        'Up to 50 hours of music on a charge.',
        'Folds flat for travel; a cable is included for flights.',
      ],
    },
    {
      brands: ['JBL Flip 6', 'Anker Soundcore 2', 'Tribit StormBox'],
      qualifiers: ['Portable', 'Waterproof'],
      noun: 'Bluetooth Speaker',
      options: [{ name: 'Color', values: COLORS }],
      usd: [35, 130],
      weightG: [350, 600],
      details: ['Loud enough for a garden party.', 'Survives rain and a drop in the pool.'],
    },
    {
      brands: ['Samsung Galaxy Buds', 'Oraimo FreePods 4', 'Soundcore Life P2'],
      qualifiers: ['', 'True Wireless'],
      noun: 'Earbuds',
      options: [{ name: 'Color', values: ['Black', 'White'] }],
      usd: [20, 110],
      weightG: [40, 60],
      details: ['A charging case for three more charges.', 'Sweat-proof, for the gym.'],
    },
  ],
  men: [
    {
      brands: ['Addis Cotton', 'Kitenge Studio', 'Urban Threads', 'Linho Lisboa'],
      qualifiers: ['Classic', 'Slim Fit', 'Organic'],
      noun: 'T-Shirt',
      options: [
        { name: 'Size', values: CLOTHES },
        { name: 'Color', values: COLORS },
      ],
      usd: [8, 25],
      weightG: [150, 220],
      details: ['Soft combed cotton that keeps its shape.', 'Machine-washable at 40 °C.'],
    },
    {
      brands: ['Urban Threads', 'Savana Denim', 'Linho Lisboa'],
      qualifiers: ['Stretch', 'Regular Fit'],
      noun: 'Chino Trousers',
      options: [{ name: 'Size', values: ['30', '32', '34', '36', '38'] }],
      usd: [18, 45],
      weightG: [400, 550],
      details: ['Cut for comfort at a desk all day.', 'Two back pockets and a coin pocket.'],
    },
    {
      brands: ['Savana Denim', 'Urban Threads'],
      qualifiers: ['Washed', 'Dark'],
      noun: 'Denim Jacket',
      options: [{ name: 'Size', values: ['S', 'M', 'L', 'XL'] }],
      usd: [30, 70],
      weightG: [700, 950],
      details: ['Heavy denim that softens with wear.'],
    },
  ],
  women: [
    {
      brands: ['Kitenge Studio', 'Habesha Weaves', 'Áo Dài House', 'Linho Lisboa'],
      qualifiers: ['Wrap', 'Maxi', 'Linen'],
      noun: 'Dress',
      options: [
        { name: 'Size', values: CLOTHES },
        { name: 'Color', values: ['Red', 'Green', 'Blue', 'Yellow', 'White'] },
      ],
      usd: [20, 80],
      weightG: [250, 450],
      details: [
        'Hand-finished by tailors in the city.',
        'A light fabric for warm afternoons.',
        'Fully lined, with pockets.',
      ],
    },
    {
      brands: ['Habesha Weaves', 'Kitenge Studio'],
      qualifiers: ['Embroidered', 'Cotton'],
      noun: 'Scarf',
      options: [{ name: 'Color', values: ['White', 'Red', 'Green', 'Yellow'] }],
      usd: [10, 35],
      weightG: [80, 150],
      details: ['Woven on a traditional loom.'],
    },
    {
      brands: ['Urban Threads', 'Linho Lisboa'],
      qualifiers: ['Silk', 'Relaxed'],
      noun: 'Blouse',
      options: [{ name: 'Size', values: CLOTHES }],
      usd: [15, 50],
      weightG: [150, 250],
      details: ['Breathable and easy to iron.'],
    },
  ],
  shoes: [
    {
      brands: ['Adidas Runfalcon', 'Nike Revolution 7', 'Puma Smash', 'Sole Rebels'],
      qualifiers: ['', 'Running', 'Everyday'],
      noun: 'Sneakers',
      options: [
        { name: 'Size', values: SHOE_SIZES },
        { name: 'Color', values: ['Black', 'White', 'Grey'] },
      ],
      usd: [35, 110],
      weightG: [600, 900],
      details: ['Cushioned soles for long days on foot.', 'Breathable mesh uppers.'],
    },
    {
      brands: ['Sole Rebels', 'Maasai Market', 'Havaianas'],
      qualifiers: ['Leather', 'Beaded'],
      noun: 'Sandals',
      options: [{ name: 'Size', values: SHOE_SIZES }],
      usd: [12, 45],
      weightG: [300, 500],
      details: ['Made by hand from recycled tyres and leather.', 'Straps that adjust.'],
    },
  ],
  kitchen: [
    {
      brands: ['Traditional', 'Handmade'],
      qualifiers: ['Clay'],
      noun: 'Jebena Coffee Pot',
      options: [{ name: 'Size', values: ['Small', 'Medium', 'Large'], priceStep: 1.3 }],
      usd: [8, 25],
      weightG: [600, 1_400],
      details: [
        'Fired clay for the coffee ceremony; season it before the first use.',
        'Comes with a woven stand.',
      ],
    },
    {
      brands: ['Ramtons', 'Philips', 'Moulinex', 'Sunhouse'],
      qualifiers: ['1.5 L', 'High Speed'],
      noun: 'Blender',
      options: [],
      usd: [30, 90],
      weightG: [2_200, 3_500],
      details: ['Crushes ice and makes smoothies in seconds.', 'Dishwasher-safe jug.'],
    },
    {
      brands: ['Tefal', 'Prestige', 'Sunhouse'],
      qualifiers: ['Non-Stick', 'Stainless Steel'],
      noun: 'Cookware Set',
      options: [{ name: 'Pieces', values: ['5 pieces', '8 pieces', '12 pieces'], priceStep: 1.4 }],
      usd: [40, 120],
      weightG: [3_000, 6_000],
      details: ['Works on gas, electric and induction.', 'Oven-safe to 220 °C.'],
    },
  ],
  furniture: [
    {
      brands: ['Mahogany Works', 'Nordic Home', 'Rattan & Co'],
      qualifiers: ['Three-Seater', 'Corner'],
      noun: 'Sofa',
      options: [{ name: 'Color', values: ['Grey', 'Beige', 'Green', 'Blue'] }],
      usd: [350, 1_200],
      weightG: [35_000, 70_000],
      details: [
        'A solid hardwood frame and removable, washable covers.',
        'Delivered and assembled in the city.',
      ],
    },
    {
      brands: ['Mahogany Works', 'Rattan & Co', 'Nordic Home'],
      qualifiers: ['Solid Wood', 'Round'],
      noun: 'Coffee Table',
      options: [],
      usd: [80, 300],
      weightG: [8_000, 20_000],
      details: ['Oiled by hand; every table is a little different.'],
    },
    {
      brands: ['ErgoSeat', 'Nordic Home'],
      qualifiers: ['Ergonomic', 'Mesh'],
      noun: 'Office Chair',
      options: [{ name: 'Color', values: ['Black', 'Grey'] }],
      usd: [90, 260],
      weightG: [12_000, 18_000],
      details: ['Adjustable lumbar support and armrests.'],
    },
  ],
  skincare: [
    {
      brands: ['Shea Naturals', 'Nivea', 'Rift Valley Botanics'],
      qualifiers: ['Unscented', 'Cocoa'],
      noun: 'Body Lotion',
      options: [{ name: 'Size', values: ['100 ml', '250 ml', '400 ml'], priceStep: 1.7 }],
      usd: [4, 15],
      weightG: [120, 450],
      details: ['Made with raw shea butter.', 'For dry skin; absorbs quickly.'],
    },
    {
      brands: ['La Roche-Posay', 'Neutrogena', 'Garnier'],
      qualifiers: ['SPF 50', 'Invisible'],
      noun: 'Sunscreen',
      options: [{ name: 'Size', values: ['50 ml', '100 ml'], priceStep: 1.6 }],
      usd: [8, 25],
      weightG: [80, 140],
      details: ['Broad-spectrum protection that leaves no white cast.'],
    },
  ],
  fragrance: [
    {
      brands: ['Lisboa Essence', 'Oud Royale', 'Saffron Lane'],
      qualifiers: ['Eau de Parfum', 'Eau de Toilette'],
      noun: 'Perfume',
      options: [{ name: 'Size', values: ['30 ml', '50 ml', '100 ml'], priceStep: 1.5 }],
      usd: [20, 90],
      weightG: [150, 400],
      details: ['Notes of coffee flower, cedar and amber.', 'Lasts the whole evening.'],
    },
  ],
  fitness: [
    {
      brands: ['Decathlon Domyos', 'Reebok', 'Liforme'],
      qualifiers: ['Non-Slip', 'Extra Thick'],
      noun: 'Yoga Mat',
      options: [{ name: 'Color', values: ['Purple', 'Blue', 'Black', 'Green'] }],
      usd: [12, 60],
      weightG: [900, 2_000],
      details: ['Grips on tiles and wooden floors.', 'Comes with a carrying strap.'],
    },
    {
      brands: ['Decathlon Domyos', 'Bowflex', 'Iron Gym'],
      qualifiers: ['Adjustable', 'Hex'],
      noun: 'Dumbbell Set',
      options: [{ name: 'Weight', values: ['2 × 5 kg', '2 × 10 kg', '2 × 20 kg'], priceStep: 1.8 }],
      usd: [25, 80],
      weightG: [10_000, 40_000],
      details: ['Rubber-coated, so floors and neighbours stay happy.'],
    },
  ],
  cycling: [
    {
      brands: ['Giant Talon', 'Trek Marlin 5', 'Rockrider ST 120'],
      qualifiers: ['27.5"', '29"'],
      noun: 'Mountain Bike',
      options: [{ name: 'Frame size', values: ['S', 'M', 'L', 'XL'] }],
      usd: [380, 900],
      weightG: [13_000, 15_500],
      details: [
        'Front suspension and hydraulic disc brakes.',
        'Serviced and adjusted before delivery.',
      ],
    },
    {
      brands: ['Giro', 'Bell', 'Btwin'],
      qualifiers: ['Road', 'Commuter'],
      noun: 'Bike Helmet',
      options: [{ name: 'Size', values: ['S', 'M', 'L'] }],
      usd: [25, 80],
      weightG: [250, 350],
      details: ['Certified to EN 1078, with a rear light.'],
    },
  ],
  books: [
    {
      brands: [
        'Beneath the Lion’s Gaze',
        'The River Between',
        'The Sympathizer',
        'Journey to the End of Coffee',
        'Cooking the Horn of Africa',
        'A Grain of Wheat',
        'The Lisbon Cookbook',
      ],
      qualifiers: [''],
      noun: '',
      options: [{ name: 'Format', values: ['Paperback', 'Hardcover'], priceStep: 1.6 }],
      usd: [9, 30],
      weightG: [250, 800],
      details: ['A new copy, shipped in a padded envelope.', 'Signed copies while they last.'],
    },
  ],
};
