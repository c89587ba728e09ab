"""python -m image_telephone.cli: the image-telephone command."""

import sys

from image_telephone.cli.main import main

sys.exit(main())
