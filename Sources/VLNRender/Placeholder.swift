import VLNCore
